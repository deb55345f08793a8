"""What a tutorial evaluates after training (test MSE, accuracy, predictions) is compared too:
a TF2 port can train bit for bit and still evaluate differently."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tf1repro import Record, compare_records, load_tutorial, train
from tf1repro.compare import EVALUATION_SUFFIX, scale_ulp
from tf1repro.diagnose import diagnose

ACCURACY = "accuracy" + EVALUATION_SUFFIX


@pytest.fixture(scope="module")
def evaluated() -> Record:
    """02/08's classifier, shortened: it evaluates its accuracy on the test and train rows."""
    tutorial = load_tutorial("02-08-classification")
    return train(tutorial, tutorial.Config(steps=20, log_every=10), seed=0)


def nudged(record: Record, label: str) -> Record:
    """``record`` with its ``label`` accuracy moved to the next float32 up."""
    results = {name: dict(values) for name, values in record.evaluations.items()}
    value = np.asarray(results[label]["accuracy"])
    results[label]["accuracy"] = np.nextafter(value, np.asarray(np.inf, value.dtype))
    return dataclasses.replace(record, backend="eager", evaluations=results)


def test_equal_evaluations_are_one_identical_quantity(evaluated: Record) -> None:
    comparison = compare_records(evaluated, Record.from_dict(evaluated.to_dict()))
    assert [d.quantity for d in comparison.deviations][-1] == ACCURACY
    assert comparison.deviation(ACCURACY).identical and comparison.worst == 0


def test_a_differing_evaluation_fails_after_the_last_step(evaluated: Record) -> None:
    other = nudged(evaluated, "test")
    comparison = compare_records(evaluated, other)
    deviation = comparison.deviation(ACCURACY)
    # One float32 step of the test accuracy, at the scale of both accuracies (test, train).
    stacked = np.stack([evaluated.evaluations[label]["accuracy"] for label in ("test", "train")])
    step = float(other.evaluations["test"]["accuracy"]) - float(
        evaluated.evaluations["test"]["accuracy"]
    )
    assert deviation.ulps == step / scale_ulp(stacked) > 0
    assert deviation.step == deviation.first_step == evaluated.steps
    assert all(d.identical for d in comparison.deviations if d.quantity != ACCURACY)
    assert not comparison.within(0) and comparison.within(deviation.ulps)
    # Training agrees at every step; the diagnosis names the evaluation.
    assert comparison.first_beyond(0, evaluated, other) is None
    diagnosis = diagnose(evaluated, other=other)
    assert diagnosis.step is None and not diagnosis.agrees
    assert diagnosis.to_dict()["stage"] == "evaluation"
    assert "the evaluated accuracy differs" in diagnosis.verdict()


def test_records_evaluating_other_outputs_are_not_compared(evaluated: Record) -> None:
    results = {label: {"other": v["accuracy"]} for label, v in evaluated.evaluations.items()}
    other = dataclasses.replace(evaluated, evaluations=results)
    with pytest.raises(ValueError, match="evaluate different outputs"):
        compare_records(evaluated, other)
