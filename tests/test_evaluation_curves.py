"""Evaluation curves: what a script evaluates between its steps on feeds of its own (a train and
a test accuracy, a test loss after every step) is recorded per step with those feeds, and a
port or a tutorial is checked on the same feeds after the same steps.

The scripts are tests/data/scripts/svm_iris.py and nn_iris.py, the cookbook's linear SVM (04/02)
and one-hidden-layer network (06/04) restated on iris in 20 steps; their tutorials and ports are
in tests/data/tutorials and tests/data/ports. Recording a script runs it in a child process
that imports TensorFlow, so those runs are made once per module and the tests using them are
slow; the record format and the comparison are checked on records made here.
"""

from __future__ import annotations

import json
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from tf1repro.cli import main
from tf1repro.compare import compare_records
from tf1repro.record import FORMAT, Curve, Record, RecordError, load_record
from tf1repro.recording.port_check import check_ports, diagnose_ports
from tf1repro.recording.reader import Recording, load_recordings, summary
from tf1repro.recording.restatement import Mismatch, check_tutorials

DATA = ROOT / "tests" / "data"
SCRIPTS = DATA / "scripts"
PORTS = DATA / "ports"
TUTORIALS = DATA / "tutorials"
#: At seed 0 the network's output unit is dead for all 20 steps: its test loss never moves.
SEED = 1

#: The shape of the SVM's loop in a few lines: the accuracy after every step on the training
#: rows (the very feeds of the step) and on the test rows.
ACCURACY_SCRIPT = """
import numpy as np
import tensorflow as tf

x_vals = np.random.uniform(-1, 1, 40)
y_vals = 2.0 * x_vals + np.random.normal(0, 0.3, 40)
x = tf.placeholder(tf.float32, [None])
y = tf.placeholder(tf.float32, [None])
w = tf.Variable(tf.random_normal([]))
loss = tf.reduce_mean(tf.square(x * w - y))
accuracy = tf.reduce_mean(tf.cast(tf.abs(x * w - y) < 0.3, tf.float32))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(5):
    sess.run(train, feed_dict={x: x_vals[:30], y: y_vals[:30]})
    train_accuracy = sess.run(accuracy, feed_dict={x: x_vals[:30], y: y_vals[:30]})
    test_accuracy = sess.run(accuracy, feed_dict={x: x_vals[30:], y: y_vals[30:]})
    if i % 2 == 0:
        test_loss = sess.run(loss, feed_dict={x: x_vals[30:], y: y_vals[30:]})
print(sess.run(tf.reduce_max(tf.abs(x * w - y)), feed_dict={x: x_vals, y: y_vals}))
"""


def curved(steps: int = 3) -> Record:
    """A record with a curve on a feed set of its own and one on the steps' feeds."""
    f32 = np.float32
    return Record(
        tutorial="script.py#1",
        backend="legacy",
        config={},
        seed=0,
        versions={},
        feeds={"Placeholder": np.arange(steps * 2, dtype=f32).reshape(steps, 2)},
        initial={"Variable": np.ones(1, f32)},
        variables={"Variable": np.ones((steps, 1), f32)},
        fetches={"Mean": np.linspace(1, 0, steps, dtype=f32)},
        curve_feeds={"1": {"Placeholder": np.array([5.0, 6.0, 7.0], f32)}},
        curves={
            "Mean_1": {
                "1": Curve(np.arange(1, steps + 1), np.linspace(0.5, 1, steps, dtype=f32)),
                "step": Curve(np.array([1, steps]), np.array([0.25, 0.75], f32)),
            }
        },
    )


def test_a_record_s_curves_round_trip_bit_for_bit() -> None:
    record = curved()
    data = json.loads(json.dumps(record.to_dict()))
    assert data["format"] == FORMAT == "tf1repro.record/4"
    assert list(data["curves"]) == ["feeds", "fetches"]
    assert data["curves"]["fetches"]["Mean_1"]["step"]["steps"] == [1, 3]
    again = Record.from_dict(data)
    assert again == record
    assert (
        again.curves["Mean_1"]["1"].values.tobytes()
        == record.curves["Mean_1"]["1"].values.tobytes()
    )


def test_records_of_format_2_still_load() -> None:
    """Every golden run is a format 2 file: it loads, and says it is the current format now."""
    path = ROOT / "tests" / "golden" / "02-08-classification-steps200-seed0.json"
    assert json.loads(path.read_text())["format"] == "tf1repro.record/2"
    record = load_record(path)
    assert record.curves == {} and record.to_dict()["format"] == FORMAT
    data = {**json.loads(path.read_text()), "curves": {"feeds": {}, "fetches": {}}}
    with pytest.raises(RecordError) as error:
        Record.from_dict(data)
    assert error.value.field == "curves"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c["fetches"]["Mean_1"].update({"2": c["fetches"]["Mean_1"]["1"]}), "Mean_1.2"),
        (lambda c: c["fetches"]["Mean_1"]["1"].update({"steps": [1, 1, 2]}), "Mean_1.1.steps"),
        (lambda c: c["fetches"]["Mean_1"]["step"].update({"steps": [1, 4]}), "Mean_1.step.steps"),
        (lambda c: c["fetches"]["Mean_1"]["1"].update({"steps": [1, 2]}), "Mean_1.1"),
        (lambda c: c["feeds"].update({"step": c["feeds"]["1"]}), "feeds.step"),
    ],
)
def test_a_wrong_curve_is_refused_by_its_field(change: object, field: str) -> None:
    data = curved().to_dict()
    change(data["curves"])  # type: ignore[operator]
    with pytest.raises(RecordError) as error:
        Record.from_dict(data)
    assert error.value.field.endswith(field)


def test_a_differing_curve_is_a_row_at_the_step_it_was_evaluated_after() -> None:
    record = curved(steps=4)
    curve = record.curves["Mean_1"]["step"]
    values = curve.values.copy()
    values[1] = np.nextafter(values[1], np.float32(2))
    other = Record.from_dict(
        {
            **record.to_dict(),
            "curves": {
                **record.to_dict()["curves"],
                "fetches": {
                    "Mean_1": {
                        "1": record.curves["Mean_1"]["1"].to_dict(),
                        "step": Curve(curve.steps, values).to_dict(),
                    }
                },
            },
        }
    )
    comparison = compare_records(record, other)
    assert comparison.deviation("Mean_1 on feeds 1").identical
    moved = comparison.deviation("Mean_1 on the step's feeds")
    # Evaluated after steps 1 and 4: its second value is step 4's.
    assert (moved.ulps, moved.step, moved.first_step, moved.evaluated) == (1.0, 4, 4, True)
    assert comparison.first_beyond(0, record, other) is None  # training itself agrees


# -- recorded from scripts ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The recordings of the accuracy script and the two iris scripts, at ``SEED``."""
    from tf1repro.legacy import run_script

    top = tmp_path_factory.mktemp("curves")
    accuracy = top / "accuracy.py"
    accuracy.write_text(ACCURACY_SCRIPT)
    scripts = {"accuracy": accuracy, "svm": SCRIPTS / "svm_iris.py", "nn": SCRIPTS / "nn_iris.py"}

    def run(label: str) -> None:
        made = run_script(scripts[label], top / label, seed=SEED, timeout=300.0, record=Recording())
        assert made.status == "ok", (label, made.reason)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, scripts))
    return {label: top / label for label in scripts}


@pytest.mark.slow
def test_a_fetch_evaluated_every_step_is_recorded_with_its_feeds(runs: dict[str, Path]) -> None:
    """On main it was only noted, 'fetched by the script ... on Placeholder, Placeholder_1'."""
    (record,) = load_recordings(runs["accuracy"]).values()
    assert record.steps == 5 and list(record.fetches) == ["Mean"]
    # Built after training, a new op no port builds: named, not recorded.
    assert [key for key in record.source if key.startswith("not recorded")] == ["not recorded: Max"]
    assert (
        "built by accuracy.py line 21 after the graph first trained"
        in record.source["not recorded: Max"]
    )
    # The training rows are the step's feeds: referred to, not stored again. The test rows are
    # stored once for all the steps that evaluated on them.
    assert {name: list(curves) for name, curves in record.curves.items()} == {
        "Mean_1": ["step", "1"],
        "Mean": ["1"],
    }
    (test_set,) = record.curve_feeds.values()
    assert {name: value.shape for name, value in test_set.items()} == {
        "Placeholder": (10,),
        "Placeholder_1": (10,),
    }
    assert record.curves["Mean_1"]["1"].steps.tolist() == [1, 2, 3, 4, 5]
    assert record.curves["Mean"]["1"].steps.tolist() == [1, 3, 5]
    # The accuracy on the step's feeds is the accuracy of the fetched rows after that step.
    step = record.curves["Mean_1"]["step"]
    w, x, y = (
        record.variables["Variable"],
        record.feeds["Placeholder"],
        record.feeds["Placeholder_1"],
    )
    hits = np.abs(x * w[:, np.newaxis] - y) < np.float32(0.3)
    assert np.array_equal(step.values, hits.mean(axis=1, dtype=np.float32))


@pytest.mark.slow
def test_the_summary_lists_the_curves_by_recorded_name(runs: dict[str, Path]) -> None:
    lines = summary({"record_1.json": load_recordings(runs["svm"])[1]})
    assert lines[4:] == [
        "  evaluated:    Mean_1 float32 [] on feeds 1 after 20 step(s), "
        "Mean_1 float32 [] on feeds 2 after 20 step(s)",
        "  feeds 1:      Placeholder float32 [120, 2], Placeholder_1 float32 [120, 1]",
        "  feeds 2:      Placeholder float32 [30, 2], Placeholder_1 float32 [30, 1]",
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("run", "port", "curves"),
    [
        (
            "svm",
            "svm_iris_port.py",
            ["Mean_1 (accuracy) on feeds 1", "Mean_1 (accuracy) on feeds 2"],
        ),
        ("nn", "nn_iris_port.py", ["Mean (loss) on feeds 1"]),
    ],
)
def test_a_port_matches_the_recording_and_its_curves_at_0_ulp(
    runs: dict[str, Path], run: str, port: str, curves: list[str]
) -> None:
    report = check_ports(runs[run], str(PORTS / port))
    (row,) = report.rows
    assert row.passed and row.comparison.worst == 0
    assert [d.quantity for d in row.comparison.deviations if d.evaluated] == curves


@pytest.mark.slow
@pytest.mark.parametrize(
    ("run", "tutorial", "curves"),
    [
        (
            "svm",
            "svm_iris.py:Svm",
            ["Mean_1 (accuracy) on feeds 1 (train)", "Mean_1 (accuracy) on feeds 2 (test)"],
        ),
        ("nn", "nn_iris.py", ["Mean (loss) on feeds 1 (test)"]),
    ],
)
def test_a_tutorial_matches_the_recording_and_its_curves_at_0_ulp(
    runs: dict[str, Path], run: str, tutorial: str, curves: list[str]
) -> None:
    report = check_tutorials(runs[run], str(TUTORIALS / tutorial))
    (row,) = report.rows
    assert row.passed and row.comparison.worst == 0
    quantities = [d.quantity for d in row.comparison.deviations]
    assert quantities[-len(curves) :] == curves
    assert "feed Placeholder (x) on feeds 1 (" in " ".join(quantities)


@pytest.mark.slow
def test_a_port_that_evaluates_otherwise_fails_on_its_curves(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Keras' binary_accuracy for the script's accuracy: training agrees, the curves do not."""
    port = f"{PORTS / 'broken_iris_ports.py'}:KerasAccuracy"
    assert main(["compare", "--record", str(runs["svm"]), "--port", port, "--json"]) == 1
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    failed = {q["quantity"]: q["first_differing_step"] for q in row["quantities"] if q["ulps"]}
    assert sorted(failed) == ["Mean_1 (accuracy) on feeds 1", "Mean_1 (accuracy) on feeds 2"]
    first = failed["Mean_1 (accuracy) on feeds 1"]
    (diagnosis,) = diagnose_ports(runs["svm"], port)
    assert diagnosis.step is None and diagnosis.evaluation is not None
    verdict = diagnosis.verdict()
    assert "\n" not in verdict
    assert (
        "agree within 0 ulps at every step, but the evaluated Mean_1 (accuracy) on feeds "
        in verdict
    )
    assert f"from step {first} " in verdict


@pytest.mark.slow
def test_a_test_loss_ported_as_its_root_fails_at_step_1(runs: dict[str, Path]) -> None:
    (diagnosis,) = diagnose_ports(runs["nn"], f"{PORTS / 'broken_iris_ports.py'}:RootOfTestLoss")
    assert diagnosis.evaluation is not None
    assert (diagnosis.evaluation.quantity, diagnosis.evaluation.first_step) == (
        "Mean (loss) on feeds 1",
        1,
    )


@pytest.mark.slow
def test_a_tutorial_tested_on_its_training_rows_is_one_line(runs: dict[str, Path]) -> None:
    with pytest.raises(Mismatch) as mismatch:
        check_tutorials(runs["svm"], f"{TUTORIALS / 'svm_iris.py'}:TestedOnTraining")
    assert str(mismatch.value) == (
        "svm-iris (record_1): feed Placeholder (x) on feeds 2 (test) is float32 [30, 2] in the "
        "recording, float32 [120, 2] in the tutorial"
    )


def test_a_port_without_an_evaluated_output_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A port that neither forward() nor evaluate() gives the recorded curve's output."""
    made = curved_recording(tmp_path / "run")
    port = tmp_path / "port.py"
    port.write_text(
        textwrap.dedent(
            """
            from tf1repro.recording.port import Port
            from tf1repro.tutorial import V2Port


            class Line(Port):
                names = {"Placeholder": "x", "Mean": "loss"}

                def port_v2(self, tf, initial):
                    w = tf.Variable(initial["Variable"])

                    def forward(feeds):
                        return {"loss": tf.reduce_mean(tf.square(feeds["x"] * w))}

                    return V2Port({"Variable": w}, forward, tf.keras.optimizers.SGD(0.1))
            """
        )
    )
    assert main(["compare", "--record", str(made), "--port", str(port)]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert "returns every evaluated output" in line and "['Mean_1']" in line
    assert "Port.names" in line


def curved_recording(folder: Path) -> Path:
    """``curved()`` as the run folder of a recording."""
    folder.mkdir()
    (folder / "record_1.json").write_text(curved().to_json())
    (folder / "run.json").write_text('{"records": ["record_1.json"]}')
    return folder
