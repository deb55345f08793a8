"""Graphs with several training ops (two ``minimize`` of one optimizer, run in turn): the record
says which op each step ran, older records load as one-op records, and a port runs the ops in
the original's order or fails naming the step.

The script is tests/data/scripts/two_trainers.py, the cookbook's recipe 06/03 restated: two
losses of separate variables, both minimised by one optimizer on the same batch each iteration.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from tf1repro.cli import main
from tf1repro.compare import compare_records
from tf1repro.record import FORMAT, Record, RecordError
from tf1repro.recording.reader import SITES, Recording, load_recordings

SCRIPT = ROOT / "tests" / "data" / "scripts" / "two_trainers.py"
PROGRAM = "two_trainers_tf2.py"

#: Three iterations of the script's loop, for a recording that is fast to make.
SHORT = SCRIPT.read_text().replace("range(25)", "range(3)")


def trained(trainers: list[int]) -> Record:
    """A recording of ``len(trainers)`` steps, step ``i`` run by op ``trainers[i]``."""
    steps = len(trainers)
    f32 = np.float32
    return Record(
        tutorial="script.py#1",
        backend="legacy",
        config={},
        seed=0,
        versions={},
        feeds={"Placeholder": np.arange(steps, dtype=f32).reshape(steps, 1)},
        initial={"Variable": np.ones(1, f32)},
        variables={"Variable": np.ones((steps, 1), f32)},
        fetches={"Mean": np.linspace(1, 0, steps, dtype=f32)},
        trainers=np.array(trainers),
    )


def test_which_op_each_step_ran_round_trips_and_one_op_is_not_written() -> None:
    record = trained([0, 1, 0, 1])
    data = json.loads(record.to_json())
    assert data["format"] == FORMAT == "tf1repro.record/4"
    assert data["trainers"] == [0, 1, 0, 1]
    again = Record.from_dict(data)
    assert again == record and again.trainer(2) == 1
    # Every step ran the first op: the record of a graph of one training op, unchanged.
    assert "trainers" not in trained([0, 0]).to_dict() and trained([0, 0]).trainer(2) == 0


@pytest.mark.parametrize("form", ["tf1repro.record/2", "tf1repro.record/3"])
def test_records_of_older_formats_load_as_one_op_records(form: str) -> None:
    data = {**trained([0, 0, 0]).to_dict(), "format": form}
    record = Record.from_dict(data)
    assert record.to_dict()["format"] == FORMAT and len(record.trainers) == 0
    with pytest.raises(RecordError) as error:
        Record.from_dict({**data, "trainers": [0, 1, 0]})
    assert error.value.field == "trainers"


@pytest.mark.parametrize("trainers", [[0, 1], [0, -1, 0], "0,1,0", [0, 1.0, 0]])
def test_a_wrong_trainers_field_is_refused_by_name(trainers: object) -> None:
    data = {**trained([0, 1, 0]).to_dict(), "trainers": trainers}
    with pytest.raises(RecordError) as error:
        Record.from_dict(data)
    assert error.value.field == "trainers"


def test_the_ops_run_in_another_order_are_named_at_their_first_step() -> None:
    original, swapped = trained([0, 1, 0, 1]), trained([0, 1, 1, 0])
    problem = original.same_inputs(swapped)
    assert problem == "step 3 ran training op 2 in place of op 1"
    with pytest.raises(ValueError, match="step 3 ran training op 2"):
        compare_records(original, swapped)


def test_the_recording_names_the_op_each_step_ran_and_each_op_s_loss(tmp_path: Path) -> None:
    from tf1repro.legacy import run_script

    script = tmp_path / "two_trainers.py"
    script.write_text(SHORT)
    made = run_script(script, tmp_path / "run", seed=0, timeout=300.0, record=Recording())
    assert made.status == "ok", made.reason
    record = load_recordings(tmp_path / "run")[1]
    assert record.steps == 6 and record.trainers.tolist() == [0, 1] * 3
    lines = SHORT.splitlines()
    sites = json.loads(record.source[SITES])
    trainers = [
        (lines[site["train"][0]["line"] - 1].split(" = ")[0], site["losses"])
        for site in sites["trainers"]
    ]
    assert trainers == [("train_sigmoid", ["Mean"]), ("train_relu", ["Mean_1"])]
    # Both losses after every step, whichever op it ran.
    assert list(record.fetches) == ["Mean", "Mean_1"]


@pytest.mark.slow
def test_each_op_is_ported_to_a_function_of_its_own_and_another_order_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, run = tmp_path / "ported", tmp_path / "run"
    args = ["port", str(SCRIPT), "--out", str(out), "--record", str(run), "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "exact" and result["worst_ulps"] == 0
    assert "50 steps" in result["reason"]
    text = (out / PROGRAM).read_text()
    calls = "    train_sigmoid(inputs=batch)\n    train_relu(inputs=batch)\n"
    assert text.count(calls) == 1
    program = tmp_path / PROGRAM
    program.write_text(
        text.replace(calls, "    train_relu(inputs=batch)\n    train_sigmoid(inputs=batch)\n")
    )
    code = main(["diagnose", "--record", str(run), "--program", str(program)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines == [
        f"{PROGRAM}: graph 1: step 1 ran train_relu(), where the original ran train_sigmoid: "
        "the program trains in another order"
    ]
