"""``tf1repro diagnose --record RUN --program FILE``: a program ``port`` wrote, edited, diagnosed.

The cookbook's linear regression oracle is ported once with ``--record`` (the original's run and
the proof, each in a process of its own); each test edits a copy of the program the way a user
might break it and checks that the diagnosis names the step and the stage the edit touches.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from tf1repro.cli import main

ORACLE = ROOT / "tests" / "oracle" / "cookbook03_lin_reg.py"
PROGRAM = "cookbook03_lin_reg_tf2.py"


@pytest.fixture(scope="module")
def ported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the port (``ported/``) and the original's recording (``run/``)."""
    folder = tmp_path_factory.mktemp("port")
    out, run = folder / "ported", folder / "run"
    args = ["port", str(ORACLE), "--out", str(out), "--record", str(run), "--", "0"]
    assert main(args) == 0
    return folder


def edited(ported: Path, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the program with ``old`` (which it holds once) replaced by ``new``."""
    text = (ported / "ported" / PROGRAM).read_text()
    assert text.count(old) == 1, old
    program = tmp_path / PROGRAM
    program.write_text(text.replace(old, new))
    return program


def diagnosed(ported: Path, program: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["diagnose", "--record", str(ported / "run"), "--program", str(program)])
    return code, capsys.readouterr().out


@pytest.mark.slow
def test_port_says_where_the_recording_is_and_the_program_agrees_unedited(
    ported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = ported / "ported" / PROGRAM
    header = program.read_text().split("\n\n")[0]
    assert f"tf1repro diagnose --record {ported / 'run'} --program" in header
    assert sorted(p.name for p in (ported / "run").glob("[!.]*")) == [
        "port.json",
        "record_1.json",
        "run.json",
        "stdout.txt",
    ]
    code, out = diagnosed(ported, program, capsys)
    assert code == 0, out
    assert "every step within 0 ulps of the original's, and its 16 printed numbers" in out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # Another learning rate: the same loss from the same state, another update.
        (
            "learning_rate=0.05",
            "learning_rate=0.06",
            "at step 1, the first step beyond the tolerance: the forward fetches agree; "
            "the gradient or the optimizer's update differs",
        ),
        # Another loss: the forward pass from the same state already differs.
        (
            "tf.square(y - prediction(x))",
            "tf.abs(y - prediction(x))",
            "the forward fetch of Mean (loss) differs by",
        ),
        # Another batch: the data, not the TF2 code.
        (
            "size=25)",
            "size=25)[::-1]",
            "graph 1: the feed Placeholder (x) differs first at step 1: the program's data is "
            "not the original's",
        ),
        # The same training, another print.
        (
            "str(batch_loss))",
            "str(batch_loss * 2))",
            "printed output line 2: 1.0328 vs 2.0656",
        ),
    ],
)
def test_an_edited_program_is_diagnosed_at_its_first_step_and_stage(
    old: str,
    new: str,
    expected: str,
    ported: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = diagnosed(ported, edited(ported, tmp_path, old, new), capsys)
    assert code == 1, out
    assert expected in out


@pytest.mark.slow
def test_json_names_the_stage_and_the_quantity(
    ported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = edited(ported, tmp_path, "learning_rate=0.05", "learning_rate=0.06")
    capsys.readouterr()
    args = ["diagnose", "--record", str(ported / "run"), "--program", str(program), "--json"]
    assert main(args) == 1
    result = json.loads(capsys.readouterr().out)
    (graph,) = result["graphs"]
    assert result["agrees"] is False and result["problem"] is None
    assert (graph["step"], graph["stage"]) == (1, "update")
    # The update of A moves by a fifth more (0.06 / 0.05): far beyond any rounding.
    assert graph["quantity"] == "Variable (A)"
    assert min(g["ulps"] for g in graph["gaps"] if g["stage"] == "update") > 1000


@pytest.mark.slow
def test_a_renamed_training_function_is_one_line_exit_2(
    ported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = edited(ported, tmp_path, "def train(x, y):", "def fit(x, y):")
    capsys.readouterr()
    assert main(["diagnose", "--record", str(ported / "run"), "--program", str(program)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "defines no function 'train'" in err


@pytest.mark.slow
def test_a_recording_kept_without_port_json_is_one_line_exit_2(
    ported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    shutil.copytree(ported / "run", run)
    (run / "port.json").unlink()
    capsys.readouterr()
    args = ["diagnose", "--record", str(run), "--program", str(ported / "ported" / PROGRAM)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "tf1repro port SCRIPT --record RUN" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", "x_tf2.py"], "--program needs --record RUN"),
        (["--record", ".", "--program", "x_tf2.txt"], "must be a .py file"),
        (["--record", ".", "--program", "x.py", "--port", "p.py"], "--port 'p.py' does not"),
        (["--record", "missing", "--program", "x.py"], "--record 'missing' is not a run folder"),
        (["--record", ".", "--program", "x.py"], "run.json"),
    ],
)
def test_bad_program_input_is_one_line_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagnose", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
