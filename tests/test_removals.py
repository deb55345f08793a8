"""The newest release that still has a removed API, measured: the shipped table, what failures
say with it, and (marked slow / matrix: they install real releases through uv) the table measured
again and a ``tf.estimator`` script run ok with ``--tensorflow 2.15``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from tf1repro.cli import main
from tf1repro.legacy import ScriptRun
from tf1repro.legacy.classify import classify
from tf1repro.legacy.removals import table, table_of

ESTIMATOR_MISSING = {
    "type": "AttributeError",
    "message": "module 'tensorflow' (tf.compat.v1) has no attribute 'estimator'",
    "line": 7,
    "file": "model.py",
}
CONTRIB_MISSING = {
    "type": "ModuleNotFoundError",
    "message": "No module named 'tensorflow.contrib'",
    "line": 3,
    "file": "model.py",
}


def outcome_of(exception: dict[str, object], tensorflow: str) -> tuple[str, str]:
    found = classify(
        exit_code=1, exception=exception, timed_out=False, timeout=10, tensorflow=tensorflow
    )
    return found.kind, found.reason


def test_the_table_measures_2_12_to_2_21_on_python_3_11() -> None:
    measured = table()
    assert measured.releases == tuple(f"2.{minor}" for minor in range(12, 22))
    assert measured.python == "3.11"
    estimator = measured.removal("estimator")
    assert estimator is not None and (estimator.last, estimator.removed_in) == ("2.15", "2.16")
    assert measured.never == ("contrib",)
    assert measured.removal("Session") is None


def test_table_of_lists_each_removal_once() -> None:
    made = table_of(
        {
            "2.14": {"a", "a.x", "b", "b.y", "c", "d"},
            "2.15": {"a", "a.x", "b", "c"},
            "2.16": {"b", "d"},
        },
        "3.11",
    )
    # a and its names left together (one entry); b.y alone; d came back, so it was not removed.
    assert made.removed == {"a": "2.15", "b.y": "2.14", "c": "2.15"}
    assert made.never == ("contrib",)
    removal = made.removal("c")
    assert removal is not None and removal.removed_in == "2.16"


def test_removed_api_names_the_release_that_still_has_it() -> None:
    kind, reason = outcome_of(ESTIMATOR_MISSING, "2.21.0")
    assert kind == "removed-api"
    assert reason == (
        "uses tf.estimator (model.py line 7): removed in TensorFlow 2.16; runs with "
        "--tensorflow 2.15; nothing stands in for it; port the model to Keras"
    )
    # Where the release ran on is not newer, an older release is no advice.
    kind, reason = outcome_of(ESTIMATOR_MISSING, "2.15.1")
    assert (
        reason
        == "uses tf.estimator (model.py line 7): nothing stands in for it; port the model to Keras"
    )
    # A name no release removed keeps the plain reason.
    other = {
        **ESTIMATOR_MISSING,
        "message": ESTIMATOR_MISSING["message"].replace("estimator", "flag"),
    }
    assert outcome_of(other, "")[1] == (
        "uses tf.flag (model.py line 7): it is not in this release's tf.compat.v1"
    )


def test_contrib_says_no_release_has_it() -> None:
    kind, reason = outcome_of(CONTRIB_MISSING, "2.21.0")
    assert kind == "contrib"
    assert reason.endswith("; no release from 2.12 to 2.21 has tf.contrib, whatever --tensorflow")


@pytest.mark.slow
@pytest.mark.matrix
def test_the_table_matches_a_fresh_measurement() -> None:
    """Installs every release of the table (cached; about two minutes each the first time)."""
    from tf1repro.legacy.removals import measure

    shipped = table()
    assert measure(shipped.releases).to_dict() == shipped.to_dict()


ESTIMATOR_SCRIPT = textwrap.dedent(
    """\
    # A linear fit with tf.estimator, which TensorFlow removed in 2.16.
    import numpy as np
    import tensorflow as tf

    x = np.linspace(0.0, 1.0, 20).astype(np.float32)
    y = 3.0 * x + 1.0
    feature = tf.feature_column.numeric_column("x")
    model = tf.estimator.LinearRegressor(
        feature_columns=[feature],
        model_dir="model",
        optimizer=tf.train.GradientDescentOptimizer(0.01),
    )
    train = tf.estimator.inputs.numpy_input_fn(
        {"x": x}, y, batch_size=20, num_epochs=None, shuffle=False
    )
    model.train(train, steps=20)
    weight = model.get_variable_value("linear/linear_model/x/weights")[0][0]
    bias = model.get_variable_value("linear/linear_model/bias_weights")[0]
    print("weight %.6f bias %.6f" % (weight, bias))
    """
)


def gradient_descent(steps: int, rate: float) -> tuple[float, float]:
    """What the script computes, in float64: gradient descent from zero on the summed squared
    error (TF1's canned estimators sum the loss over the batch)."""
    x = np.linspace(0.0, 1.0, 20)
    y = 3.0 * x + 1.0
    weight = bias = 0.0
    for _ in range(steps):
        residual = weight * x + bias - y
        weight, bias = (
            weight - rate * 2.0 * float((residual * x).sum()),
            bias - rate * 2.0 * float(residual.sum()),
        )
    return weight, bias


@pytest.mark.slow
def test_an_estimator_script_runs_with_tensorflow_2_15(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on this release with the advice, then runs ok on 2.15 and trains as TF1's
    estimator did (installed through uv into the environment cache the first time: about a
    minute or two, and the network)."""
    script = tmp_path / "estimator_fit.py"
    script.write_text(ESTIMATOR_SCRIPT)
    here, there = tmp_path / "here", tmp_path / "there"
    assert main(["legacy", "run", str(script), "--seed", "0", "--out", str(here)]) == 1
    failed = ScriptRun.load(here)
    assert failed.kind == "removed-api"
    assert "removed in TensorFlow 2.16; runs with --tensorflow 2.15" in failed.reason
    capsys.readouterr()
    argv = ["legacy", "run", str(script), "--seed", "0", "--out", str(there)]
    assert main([*argv, "--tensorflow", "2.15"]) == 0, capsys.readouterr().err
    run = ScriptRun.load(there)
    assert run.status == "ok" and run.versions["tensorflow"].startswith("2.15.")
    words = (there / "stdout.txt").read_text().split()
    assert words[0::2] == ["weight", "bias"], words
    # float32 in TensorFlow against float64 here, 20 contracting steps: agreement to ~1e-6,
    # printed to 6 decimals; 1e-5 leaves room for both.
    expected = gradient_descent(steps=20, rate=0.01)
    assert [float(words[1]), float(words[3])] == pytest.approx(expected, abs=1e-5)
