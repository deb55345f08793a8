"""Every cookbook tutorial against the recording of its original (``compare TUTORIAL --record``).

Each oracle in tests/oracle/cookbook*.py prints exactly what its original prints under
``legacy run --seed N`` (tests/test_cookbook02.py and test_cookbook03.py prove it), so its
recording under ``legacy run --record --seed 0`` is the original's. The tutorial trained with
seed 0 must hold the same bits: every feed, every variable from its initial value through every
step, and the recorded loss after every step. Tolerance: none (byte equality of every array,
and 0 ulps in the command's report), since both are the same ops on the same TensorFlow.

Every oracle runs in a child process that imports TensorFlow, so the runs the selected tests
need are made once per module, two at a time, before the first test. The oracles take their
seed (and 03/06 its penalty) from their arguments, which ``legacy run`` passes after ``--``:
the seed given to both is 0, so the runner's seeding and the oracle's own agree.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from tf1repro import load_tutorial
from tf1repro.cli import main
from tf1repro.errors import ParameterError
from tf1repro.legacy import run_script
from tf1repro.record import Record
from tf1repro.recording.reader import Recording, load_recordings
from tf1repro.recording.restatement import pairing, recorded_as, recorded_seed

ORACLES = ROOT / "tests" / "oracle"
TIMEOUT = 900.0

#: Oracle runs by label: the oracle file and its arguments after the seed.
RUNS = {
    "02-05": ("cookbook02_back_propagation.py", ()),
    "02-07": ("cookbook02_combining.py", ()),
    "02-08": ("cookbook02_evaluating.py", ()),
    "03-03": ("cookbook03_lin_reg.py", ()),
    "03-04": ("cookbook03_l1_vs_l2.py", ()),
    "03-05": ("cookbook03_deming.py", ()),
    "03-06-lasso": ("cookbook03_lasso_ridge.py", ("lasso",)),
    "03-06-ridge": ("cookbook03_lasso_ridge.py", ("ridge",)),
    "03-07": ("cookbook03_elastic_net.py", ()),
}
#: Every part: its run, its graph in the recording, the loss the recorder found, and whether
#: it runs with -m slow only (its run trains 1000 steps or more; 03-03 because one cheap run,
#: 03-04's, is enough for the default suite).
PARTS = {
    "02-05-regression": ("02-05", 1, "Square", True),
    "02-05-classification": ("02-05", 2, "logistic_loss", True),
    "02-07-setosa": ("02-07", 1, "logistic_loss", True),
    "02-08-regression": ("02-08", 1, "Mean", True),
    "02-08-classification": ("02-08", 2, "Mean", True),
    "03-03": ("03-03", 1, "Mean", True),
    "03-04-l1": ("03-04", 1, "Mean", False),
    "03-04-l2": ("03-04", 2, "Mean", False),
    "03-05": ("03-05", 1, "Mean", True),
    "03-06-lasso": ("03-06-lasso", 1, "Add_2", True),
    "03-06-ridge": ("03-06-ridge", 1, "ExpandDims", True),
    "03-07": ("03-07", 1, "ExpandDims", True),
}


def _part(name: str) -> object:
    run, graph, loss, long = PARTS[name]
    marks = [pytest.mark.slow] if long else []
    return pytest.param(name, run, graph, loss, marks=marks, id=name)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The run folders of the oracles the selected tests of this module need, by label."""
    needed = sorted(
        {
            item.callspec.params["run"]
            for item in request.session.items
            if item.module is request.module and hasattr(item, "callspec")
            if "run" in item.callspec.params
        }
    )
    top = tmp_path_factory.mktemp("oracle-records")

    def run(label: str) -> None:
        oracle, arguments = RUNS[label]
        made = run_script(
            ORACLES / oracle,
            top / label,
            seed=0,
            timeout=TIMEOUT,
            args=("0", *arguments),
            record=Recording(),
        )
        assert made.status == "ok", (label, made.reason)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, needed))
    return {label: top / label for label in needed}


@pytest.mark.parametrize(("part", "run", "graph", "loss"), [_part(name) for name in PARTS])
def test_the_oracles_recording_is_the_tutorials_record_bit_for_bit(
    runs: dict[str, Path], part: str, run: str, graph: int, loss: str
) -> None:
    recording = load_recordings(runs[run])[graph]
    tutorial = load_tutorial(part)
    config = tutorial.Config()
    assert recording.steps == config.steps and "cut" not in recording.source
    # The recorder found the minimised loss; it is the only fetch (the oracles print the
    # loss, when they do, in calls of their own).
    assert list(recording.fetches) == [loss]
    mine = recorded_as(tutorial, config, 0, recording).record
    for group in ("feeds", "initial", "variables", "fetches"):
        theirs, ours = getattr(recording, group), getattr(mine, group)
        assert sorted(theirs) == sorted(ours), group
        for name, value in theirs.items():
            assert value.dtype == ours[name].dtype and value.shape == ours[name].shape, name
            assert value.tobytes() == ours[name].tobytes(), (group, name)
    # What the oracle evaluates after its last step (02/08's test and train MSE and accuracy) is
    # a curve of one point, on feed sets the tutorial's evaluation_feeds hold bit for bit.
    assert sorted(recording.curves) == sorted(mine.curves)
    for name, curves in recording.curves.items():
        for label, curve in curves.items():
            ours = mine.curves[name][label]
            assert curve.steps.tolist() == ours.steps.tolist() == [recording.steps]
            assert curve.values.tobytes() == ours.values.tobytes(), (name, label)
    for label, feeds in recording.curve_feeds.items():
        for name, value in feeds.items():
            assert value.tobytes() == mine.curve_feeds[label][name].tobytes(), (label, name)


@pytest.mark.parametrize("run", ["03-04"])
def test_compare_reports_every_quantity_at_0_ulp(
    runs: dict[str, Path], run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compare SCRIPT --record RUN`: each part against its graph, in order, at 0 ulp."""
    assert main(["compare", "03-04", "--record", str(runs[run]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and report["tolerance_ulps"] == 0
    labels = [row["label"] for row in report["rows"]]
    assert labels == ["03-04-l1 (record_1)", "03-04-l2 (record_2)"]
    for row in report["rows"]:
        assert row["backends"] == ["legacy", "graph"]
        ulps = {q["quantity"]: q["ulps"] for q in row["quantities"]}
        assert ulps == {
            "feed Placeholder (x)": 0,
            "feed Placeholder_1 (y)": 0,
            "Variable (A)": 0,
            "Variable_1 (b)": 0,
            "Mean (loss)": 0,
        }
    # One part of the script finds its own graph: 03-04-l2 is the script's second.
    assert main(["compare", "03-04-l2", "--record", str(runs[run])]) == 0
    out = capsys.readouterr().out
    assert "03-04-l2 (record_2)" in out and "all 1 pair within 0 ulps" in out


@pytest.mark.parametrize("run", ["03-04"])
def test_the_wrong_graph_differs_from_step_1(
    runs: dict[str, Path], run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The L2 tutorial against the L1 graph: the same feeds and initial values (both parts
    start from the same seeds), other variables from the first update on."""
    args = ["compare", "03-04-l2", "--record", str(runs[run]), "--graph", "1", "--json"]
    assert main(args) == 1
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    first = {q["quantity"]: q["first_differing_step"] for q in row["quantities"]}
    assert first == {
        "feed Placeholder (x)": None,
        "feed Placeholder_1 (y)": None,
        "Variable (A)": 1,
        "Variable_1 (b)": 1,
        "Mean (loss)": 1,
    }


@pytest.mark.parametrize("run", ["03-04"])
def test_another_seed_differs_in_the_feeds_and_the_initial_values(
    runs: dict[str, Path], run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", "03-04-l1", "--record", str(runs[run]), "--seed", "1", "--json"]
    assert main(args) == 1
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    first = {q["quantity"]: q["first_differing_step"] for q in row["quantities"]}
    # Step 0 is the initial value: another graph seed draws other initial values.
    assert first["feed Placeholder (x)"] == 1 and first["Variable (A)"] == 0
    assert all(q["ulps"] > 0 for q in row["quantities"])
    assert main(["compare", "03-04-l1", "--record", str(runs[run]), "--seed", "0"]) == 0


#: A user's tutorial file: the L2 part as it is, and with reduce_sum for the script's
#: reduce_mean (whose graph then has no tensor called Mean).
USER_TUTORIALS = """
from tf1repro.tutorial import V1Graph
from tf1repro.tutorials.cookbook03.l1_vs_l2 import L2


class MyL2(L2):
    pass


class SummedL2(L2):
    def build_v1(self, tf, config):
        x = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[1, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        loss = tf.reduce_sum(tf.square(y - tf.add(tf.matmul(x, a), b)))
        train = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph({"x": x, "y": y}, {"A": a, "b": b}, {"loss": loss}, train)
"""


@pytest.mark.parametrize("run", ["03-04"])
def test_a_users_tutorial_file_is_checked_and_a_wrong_graph_is_one_line(
    runs: dict[str, Path], run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(runs[run])
    mine = tmp_path / "my_l2.py"
    mine.write_text(USER_TUTORIALS)
    # A file's tutorial is in no built-in script: its graph is named.
    assert main(["compare", f"{mine}:MyL2", "--record", folder, "--graph", "2"]) == 0
    assert "03-04-l2 (record_2)" in capsys.readouterr().out  # the name MyL2 inherits
    assert main(["compare", f"{mine}:SummedL2", "--record", folder, "--graph", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'Mean' is no tensor of the tutorial's graph" in err
    # 03-03 has the L1 graph's names and shapes, but 100 steps where it trained 50.
    assert main(["compare", "03-03", "--record", folder, "--graph", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds 50 steps, the tutorial trained 100" in err
    # The article's stochastic part has one variable where the L2 graph has two.
    assert main(["compare", "stochastic", "--record", folder, "--graph", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "variables ['Variable'], the recording ['Variable'," in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "03-03", "--record", "{run}"],  # one part, two graphs, no script of two
        ["compare", "03-04", "--record", "{run}", "--graph", "1"],
        ["compare", "03-04-l1", "--record", "{run}", "--graph", "3"],
        ["compare", "03-04-l1", "--record", "{run}", "--graph", "one"],
        ["compare", "03-04-l1", "--graph", "1"],
        ["compare", "03-04-l1", "--record", "{run}", "--port", "{run}/port.py"],
        ["compare", "03-04-l1", "--record", "{run}", "--tolerance", "-1"],
        ["compare", "03-04-l1", "--record", "{run}", "--nonsense", "1"],
    ],
)
@pytest.mark.parametrize("run", ["03-04"])
def test_bad_options_are_one_line(
    runs: dict[str, Path], run: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = runs[run]
    before = sorted(folder.rglob("*"))
    assert main([part.format(run=folder) for part in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(folder.rglob("*")) == before


def _recording(seed_note: str) -> Record:
    return Record(
        tutorial="script.py#1",
        backend="legacy",
        config={},
        seed=0,
        versions={},
        feeds={"Placeholder": np.zeros((2, 1), np.float32)},
        initial={"Variable": np.ones(1, np.float32)},
        variables={"Variable": np.ones((2, 1), np.float32)},
        fetches={},
        source={"script": "script.py", "seed": seed_note},
    )


def test_the_seed_is_the_recordings_unless_it_was_unseeded() -> None:
    assert recorded_seed(_recording("7")) == 7
    with pytest.raises(ParameterError) as error:
        recorded_seed(_recording("none: the run was not seeded"))
    assert error.value.name == "seed" and "without --seed" in error.value.allowed


def test_parts_take_the_graphs_in_order_or_as_told() -> None:
    l1, l2 = load_tutorial("03-04-l1"), load_tutorial("03-04-l2")
    assert pairing([1, 2], [l1, l2], None, "03-04") == [1, 2]
    assert pairing([1, 2], [l1, l2], [2, 1], "03-04") == [2, 1]
    assert pairing([1, 2], [l2], None, "03-04-l2") == [2]  # its place in the script 03-04
    assert pairing([1], [l2], None, "03-04-l2") == [1]  # a recording of that part alone
    with pytest.raises(ParameterError):
        pairing([1, 2, 3], [l2], None, "03-04-l2")
    with pytest.raises(ParameterError):
        pairing([1, 2], [l1, l2], [1], "03-04")
