"""Recipe 02/05 of the cookbook, "implementing back propagation": two one-parameter models.

The original (``05_back_propagation.py``) trains one model, resets the default graph, and
trains the other; each part here is one of them, and the script ``02-05`` runs both.

* **Regression**: ``loss = square(multiply(x, A) - y)`` on one sample a step of
  ``x ~ N(1, 0.1)`` (100 points), target 10; ``A`` of shape ``[1]`` from ``random_normal``;
  ``GradientDescentOptimizer(0.02)``, 100 steps; it prints ``A`` and the loss every 25 steps.
* **Classification**: ``sigmoid_cross_entropy_with_logits`` of ``add(x, A)`` (both expanded to
  ``[1, 1]``) on one sample a step of 50 points ``N(-1, 1)`` labelled 0 and 50 ``N(3, 1)``
  labelled 1; ``A ~ N(10, 1)``; ``GradientDescentOptimizer(0.05)``, 1400 steps; it prints every
  200 steps and then the accuracy of ``round(sigmoid(x + A))`` over all 100 points.

The classification's evaluation is, in the original, a loop over the 100 points that runs
``round(sigmoid(my_output))`` on one point at a time, building two new ops in every iteration.
Those ops are deterministic and come after every random op, so they change no value: here one
``prediction`` op is built with the graph and run once per point, each point an evaluation feed
of its own (``sample-000`` ... ``sample-099``, in the original's order). A feed must name every
placeholder, so each also feeds the point's label, which ``prediction`` does not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.record import Record
from tf1repro.tutorial import Script
from tf1repro.tutorials.cookbook02.common import POINTS, SigmoidClassifier, two_classes
from tf1repro.tutorials.output import (
    RatedConfig,
    WeightFit,
    one_sample,
    row_feeds,
    step_and_loss,
)


@dataclass(frozen=True)
class RegressionConfig(RatedConfig):
    """The regression part, with the original's values."""

    steps: int = param(100, Int(1, MAX_STEPS), "optimizer steps (the original's range(100))")
    learning_rate: float = param(0.02, Float(positive=True), "GradientDescentOptimizer's rate")
    log_every: int = param(25, Int(1, MAX_STEPS), "print A and the loss every N steps")


@dataclass(frozen=True)
class ClassificationConfig(RatedConfig):
    """The classification part, with the original's values."""

    steps: int = param(1400, Int(1, MAX_STEPS), "optimizer steps (the original's range(1400))")
    learning_rate: float = param(0.05, Float(positive=True), "GradientDescentOptimizer's rate")
    log_every: int = param(200, Int(1, MAX_STEPS), "print A and the loss every N steps")


class Regression(WeightFit[RegressionConfig]):
    """02/05's regression, the article's stochastic trainer: ``x * A`` towards 10, one sample
    a step."""

    name = "02-05-regression"
    summary = "02/05 back propagation, regression: A [1], multiply, square, one sample a step"
    batch = False

    def data(self, rng: np.random.RandomState, config: RegressionConfig) -> dict[str, Any]:
        return {"x_vals": rng.normal(1, 0.1, POINTS), "y_vals": np.repeat(10.0, POINTS)}

    def feeds(
        self,
        rng: np.random.RandomState,
        config: RegressionConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        return one_sample(rng, data["x_vals"], data["y_vals"])

    def log(self, record: Record) -> list[str]:
        return step_and_loss(record, "loss")


class Classification(SigmoidClassifier[ClassificationConfig]):
    """02/05's classification: ``sigmoid(x + A)`` separates N(-1, 1) from N(3, 1)."""

    name = "02-05-classification"
    summary = (
        "02/05 back propagation, classification: A [1], add, sigmoid cross-entropy, "
        "one sample a step, accuracy over 100 points"
    )
    # Goldens keep the first 200 steps (and every evaluation): small files; the full run is
    # checked against the oracle.
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {"steps200": {"steps": 200}}
    x_shape: ClassVar[list[int | None]] = [1]

    def data(self, rng: np.random.RandomState, config: ClassificationConfig) -> dict[str, Any]:
        x_vals, y_vals = two_classes(rng, 3)
        return {"x_vals": x_vals, "y_vals": y_vals}

    def feeds(
        self,
        rng: np.random.RandomState,
        config: ClassificationConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        return one_sample(rng, data["x_vals"], data["y_vals"])

    def xentropy(self, tf: ModuleType, logits: Any, labels: Any) -> Any:
        # The loss wants a batch dimension: both sides become [1, 1].
        return tf.nn.sigmoid_cross_entropy_with_logits(
            logits=tf.expand_dims(logits, 0), labels=tf.expand_dims(labels, 0)
        )

    def evaluations_v1(
        self, tf: ModuleType, x_data: Any, y_target: Any, a: Any, logits: Any
    ) -> dict[str, Any]:
        return {"prediction": tf.round(tf.sigmoid(logits))}

    def evaluate_v2(self, tf: ModuleType, feeds: Mapping[str, Any], a: Any) -> dict[str, Any]:
        return {"prediction": tf.round(tf.sigmoid(feeds["x"] + a))}

    def evaluation_feeds(
        self, config: ClassificationConfig, data: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        return {
            sample_label(i): row_feeds(data["x_vals"][i], data["y_vals"][i]) for i in range(POINTS)
        }

    def log(self, record: Record) -> list[str]:
        return [*step_and_loss(record, "xentropy"), f"Ending Accuracy = {ending_accuracy(record)}"]


def sample_label(index: int) -> str:
    """The evaluation feed of one point: ``sample-007``."""
    return f"sample-{index:03d}"


def ending_accuracy(record: Record) -> str:
    """The original's ``np.round(accuracy, 2)``, printed: the share of points whose
    prediction equals their label, summed as ``sum(x == y for ...)`` and divided by 100."""
    labels = [sample_label(i) for i in range(POINTS)]
    predictions = [record.evaluations[label]["prediction"][0] for label in labels]
    targets = [record.evaluation_feeds[label]["y"][0] for label in labels]
    hits = sum(p == y for p, y in zip(predictions, targets, strict=True))
    return str(np.round(hits / float(POINTS), 2))


BACK_PROPAGATION = Script(
    "02-05",
    parts=("02-05-regression", "02-05-classification"),
    summary="02/05 back propagation: the regression, then the classification (no figure)",
)
