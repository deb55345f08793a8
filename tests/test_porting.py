"""Porting by hand as a new user does: what a recording says, what a mistake says, what a port
file may import.

A ``forward()`` that returns no loss, and a ``Port`` whose ``names`` leave out a recorded fetch,
were a KeyError at the end of some 40 lines of traceback from two processes. The recording is
line.py's graph restated in TensorFlow's names, made here in a second (``recorded_line``).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from tf1repro.backends import train
from tf1repro.cli import main
from tf1repro.record import Record, load_record
from tf1repro.recording.reader import summary
from tf1repro.tutorial import load_tutorial

TUTORIALS = ROOT / "tests" / "data" / "tutorials"

#: A port of the recording below; ``names`` as shown leave out the loss, recorded as ``Add``.
PORT = """
from tf1repro.recording.port import Port
from tf1repro.tutorial import V2Port


class Line(Port):
    names = {"Placeholder": "x", "Placeholder_1": "y", "Variable": "W", "Variable_1": "b"}

    def port_v2(self, tf, initial):
        w = tf.Variable(initial["W"])
        b = tf.Variable(initial["b"])

        def forward(feeds):
            return {"loss": tf.reduce_mean(tf.square(tf.matmul(feeds["x"], w) + b - feeds["y"]))}

        return V2Port({"W": w, "b": b}, forward, tf.compat.v1.train.MomentumOptimizer(0.05, 0.9))
"""


#: The same port with the loss mapped too.
MAPPED_PORT = PORT.replace('"b"}', '"b", "Add": "loss"}', 1)


def line_and_port(tmp_path: Path, port: str = PORT) -> tuple[Path, Path]:
    """The recording of ``recorded_line`` and a port file holding ``port``."""
    path = tmp_path / "line_port.py"
    path.write_text(textwrap.dedent(port))
    return recorded_line(tmp_path / "run"), path


def recorded_line(folder: Path, weight: str = "Variable") -> Path:
    """line.py's graph as ``legacy run --record`` would record its script: TensorFlow's names,
    its weight's ``weight`` (a script that says ``name=`` records that name)."""
    tutorial = load_tutorial(f"{TUTORIALS / 'line.py'}:Line")
    made = train(tutorial, tutorial.make_config(steps=3), seed=0)
    renamed = {"x": "Placeholder", "y": "Placeholder_1", "W": weight, "b": "Variable_1"}
    recording = Record(
        tutorial="line_script.py#1",
        backend="legacy",
        config={},
        seed=0,
        versions=made.versions,
        feeds={renamed[k]: v for k, v in made.feeds.items()},
        initial={renamed[k]: v for k, v in made.initial.items()},
        variables={renamed[k]: v for k, v in made.variables.items()},
        fetches={"Add": made.fetches["loss"]},
        source={
            "script": "line_script.py",
            "graph": "1",
            "seed": "0",
            "not recorded: Mean_1": "fetched by the script on other feeds",
        },
    )
    folder.mkdir()
    (folder / "record_1.json").write_text(recording.to_json())
    (folder / "run.json").write_text('{"records": ["record_1.json"]}')
    return folder


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_a_forward_without_its_loss_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    spec = f"{TUTORIALS / 'diagnosed.py'}:NoLoss"
    assert main(["compare", spec, "--steps", "2"]) == 2
    line = one_line(capsys)
    assert line.startswith(
        "tf1repro compare: error: TUTORIAL must be a port whose forward() returns its loss "
        "'loss': it returns ['cost']; return the loss under that name, or name it with "
        "V2Port(loss=...)"
    )


def test_a_port_missing_a_recorded_fetch_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, port = line_and_port(tmp_path)
    for command in ("compare", "diagnose"):
        assert main([command, "--record", str(folder), "--port", str(port)]) == 2
        line = one_line(capsys)
        assert line.startswith(f"tf1repro {command}: error: --port must be a port whose forward() ")
        assert "it returns ['loss'], not ['Add']; map each in Port.names" in line


def test_a_tutorial_file_imports_the_module_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Loaded in the parent (the graph) and in the eager child (the port): both find line.py."""
    (tmp_path / "line.py").write_text((TUTORIALS / "line.py").read_text())
    variant = tmp_path / "variant.py"
    variant.write_text("from line import Line\n\n\nclass Variant(Line):\n    name = 'variant'\n")
    assert main(["compare", f"{variant}:Variant", "--steps", "2"]) == 0, capsys.readouterr().err
    assert "all 1 pair within 0 ulps" in capsys.readouterr().out


def test_a_name_the_script_gave_is_advised_as_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The script says ``tf.Variable(..., name="weight")``; the tutorial left name= out."""
    folder = recorded_line(tmp_path / "run", weight="weight")
    spec = f"{TUTORIALS / 'line.py'}:Line"
    assert main(["compare", spec, "--record", str(folder), "--seed", "0"]) == 1
    message = capsys.readouterr().err
    assert "the recording ['Variable_1', 'weight']" in message
    assert "(the script names 'weight' itself: give those ops its name= or name_scope)" in message
    assert "without name=" not in message


def test_the_port_only_table_names_the_port_s_names_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, port = line_and_port(tmp_path, MAPPED_PORT)
    assert main(["compare", "--record", str(folder), "--port", str(port), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert {q["quantity"]: q["ulps"] for q in row["quantities"]} == {
        "Variable (W)": 0,
        "Variable_1 (b)": 0,
        "Add (loss)": 0,
    }


def test_the_recording_summary_names_what_a_port_maps(tmp_path: Path) -> None:
    """What ``legacy run --record`` prints per graph, so Port.names need not be read from JSON."""
    folder = recorded_line(tmp_path / "run", weight="weight")
    assert summary({"record_1.json": load_record(folder / "record_1.json")}) == [
        "record_1.json (graph 1): 3 steps",
        "  placeholders: Placeholder float32 [8, 3], Placeholder_1 float32 [8, 1]",
        "  variables:    weight float32 [3, 1], Variable_1 float32 [1]",
        "  fetches:      Add float32 []",
        "  not recorded: Mean_1: fetched by the script on other feeds",
    ]


def test_a_port_differing_at_step_1_is_diagnosed_from_a_2_step_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, port = line_and_port(tmp_path, MAPPED_PORT.replace("reduce_mean", "reduce_sum"))
    assert main(["diagnose", "--record", str(folder), "--port", str(port), "--json"]) == 1
    (diagnosis,) = json.loads(capsys.readouterr().out)
    assert (diagnosis["step"], diagnosis["stage"], diagnosis["quantity"]) == (1, "forward", "Add")
