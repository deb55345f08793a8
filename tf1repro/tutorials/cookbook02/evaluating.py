"""Recipe 02/08 of the cookbook, "evaluating models": a regression and a classification, each
trained on 80% of its data and evaluated on the rest.

The original (``08_evaluating_models.py``) splits 100 points into 80 drawn without replacement
for training and the remaining 20 for testing, and trains on batches of 25 drawn from the
training points:

* **Regression**: ``reduce_mean(square(matmul(x, A) - y))`` for ``x ~ N(1, 0.1)``, target 10,
  ``[None, 1]`` placeholders, ``A`` of shape ``[1, 1]``; ``GradientDescentOptimizer(0.02)``, 100
  steps, printing every 25; then the MSE on the test and the training points.
* **Classification**: ``reduce_mean(sigmoid_cross_entropy_with_logits(add(x, A)))`` on
  ``[1, None]`` placeholders, 50 points ``N(-1, 1)`` labelled 0 and 50 ``N(2, 1)`` labelled 1,
  ``A ~ N(10, 1)`` of shape ``[1]``; ``GradientDescentOptimizer(0.05)``, 1800 steps, printing
  every 200; then the accuracy of ``squeeze(round(sigmoid(x + A)))`` on both sets, and a
  histogram of the data with the boundary ``-A``.

The original builds the accuracy's ops after training; they are deterministic and follow every
random op, so building them with the graph changes no value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.record import Record
from tf1repro.tutorial import Script
from tf1repro.tutorials.cookbook02.common import POINTS, SigmoidClassifier, two_classes
from tf1repro.tutorials.output import (
    RatedConfig,
    WeightFit,
    column_batch,
    column_feeds,
    new_figure,
    png,
    printed,
    row_feeds,
    step_and_loss,
)


@dataclass(frozen=True)
class RegressionConfig(RatedConfig):
    """The regression part, with the original's values."""

    steps: int = param(100, Int(1, MAX_STEPS), "optimizer steps (the original's range(100))")
    learning_rate: float = param(0.02, Float(positive=True), "GradientDescentOptimizer's rate")
    log_every: int = param(25, Int(1, MAX_STEPS), "print A and the loss every N steps")
    batch_size: int = param(25, Int(1, 1_000_000), "training points a step, with replacement")


@dataclass(frozen=True)
class ClassificationConfig(RatedConfig):
    """The classification part, with the original's values."""

    steps: int = param(1800, Int(1, MAX_STEPS), "optimizer steps (the original's range(1800))")
    learning_rate: float = param(0.05, Float(positive=True), "GradientDescentOptimizer's rate")
    log_every: int = param(200, Int(1, MAX_STEPS), "print A and the loss every N steps")
    batch_size: int = param(25, Int(1, 1_000_000), "training points a step, with replacement")


def split_80_20(rng: np.random.RandomState, size: int) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The recipe's train/test split: 80% of the indices drawn without replacement, and the
    rest in the order a Python ``set`` difference iterates them.

    That order is the set's hash-table order, not a promise of the language: for 20 ints below
    100, CPython's table has 128 slots and yields them sorted, but other sizes wrap around.
    Reductions over the test set (its MSE) sum in that order, and another order can change
    their last bits, so the set's own order is kept.
    """
    train = rng.choice(size, round(size * 0.8), replace=False)
    test = np.array(list(set(range(size)) - set(train.tolist())))
    return train, test


def _split(x_vals: np.ndarray[Any, Any], y_vals: np.ndarray[Any, Any], rng: Any) -> dict[str, Any]:
    train, test = split_80_20(rng, len(x_vals))
    return {
        "x_vals": x_vals,
        "x_train": x_vals[train],
        "x_test": x_vals[test],
        "y_train": y_vals[train],
        "y_test": y_vals[test],
    }


class Regression(WeightFit[RegressionConfig]):
    """02/08's regression, the article's batch trainer: ``x * A`` towards 10 in batches of 25,
    with its test MSE."""

    name = "02-08-regression"
    summary = (
        "02/08 evaluating models, regression: A [1, 1], matmul, reduce_mean, batches of 25, "
        "MSE on an 80/20 split"
    )
    golden_seeds: ClassVar[Sequence[int]] = (0, 1)
    batch = True
    # The original's MSE after training is the loss on a whole set.
    loss_evaluation = "mse"

    def data(self, rng: np.random.RandomState, config: RegressionConfig) -> dict[str, Any]:
        x_vals = rng.normal(1, 0.1, POINTS)
        return _split(x_vals, np.repeat(10.0, POINTS), rng)

    def feeds(
        self,
        rng: np.random.RandomState,
        config: RegressionConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        return column_batch(rng, data["x_train"], data["y_train"], config.batch_size)

    def evaluation_feeds(
        self, config: RegressionConfig, data: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        return {
            part: column_feeds(data[f"x_{part}"], data[f"y_{part}"]) for part in ("test", "train")
        }

    def log(self, record: Record) -> list[str]:
        lines = step_and_loss(record, "loss")
        for part in ("test", "train"):
            mse = np.asarray(record.evaluations[part]["mse"])[()]
            lines.append(f"MSE on {part}:{np.round(mse, 2)!s}")
        return lines


class Classification(SigmoidClassifier[ClassificationConfig]):
    """02/08's classification: ``sigmoid(x + A)`` in batches of 25, with its accuracy."""

    name = "02-08-classification"
    summary = (
        "02/08 evaluating models, classification: A [1], add, mean sigmoid cross-entropy, "
        "batches of 25, accuracy on an 80/20 split"
    )
    # Goldens keep the first 200 steps, two seeds: a full run's feeds take 1.6 MB of JSON.
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {"steps200": {"steps": 200}}
    golden_seeds: ClassVar[Sequence[int]] = (0, 1)
    x_shape: ClassVar[list[int | None]] = [1, None]

    def data(self, rng: np.random.RandomState, config: ClassificationConfig) -> dict[str, Any]:
        return _split(*two_classes(rng, 2), rng)

    def feeds(
        self,
        rng: np.random.RandomState,
        config: ClassificationConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        rand_index = rng.choice(len(data["x_train"]), size=config.batch_size)
        return row_feeds(data["x_train"][rand_index], data["y_train"][rand_index])

    def xentropy(self, tf: ModuleType, logits: Any, labels: Any) -> Any:
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, labels=labels))

    def evaluations_v1(
        self, tf: ModuleType, x_data: Any, y_target: Any, a: Any, logits: Any
    ) -> dict[str, Any]:
        # The original adds x and A again rather than reuse the logits.
        # squeeze makes the predictions [n] against labels [1, n]: equal broadcasts to [1, n].
        y_prediction = tf.squeeze(tf.round(tf.nn.sigmoid(tf.add(x_data, a))))
        correct = tf.equal(y_prediction, y_target)
        return {"accuracy": tf.reduce_mean(tf.cast(correct, tf.float32))}

    def evaluate_v2(self, tf: ModuleType, feeds: Mapping[str, Any], a: Any) -> dict[str, Any]:
        predicted = tf.squeeze(tf.round(tf.sigmoid(feeds["x"] + a)))
        hits = tf.cast(tf.equal(predicted, feeds["y"]), tf.float32)
        return {"accuracy": tf.reduce_mean(hits)}

    def evaluation_feeds(
        self, config: ClassificationConfig, data: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        return {part: row_feeds(data[f"x_{part}"], data[f"y_{part}"]) for part in ("test", "train")}

    def log(self, record: Record) -> list[str]:
        lines = step_and_loss(record, "xentropy")
        for part in ("train", "test"):
            lines.append(f"Accuracy on {part} set: {printed(record.evaluations[part]['accuracy'])}")
        return lines

    def figures(self, records: Sequence[Record]) -> dict[str, bytes]:
        return {"binary_classifier.png": histogram_png(self, records[0])}


def histogram_png(tutorial: Classification, record: Record) -> bytes:
    """The original's figure: histograms of both halves of the data and the boundary ``-A``,
    titled with the test accuracy. The data are drawn again from the record's seed (the feeds
    hold only samples of them)."""
    config = ClassificationConfig(**record.config)
    x_vals = tutorial.data(np.random.RandomState(record.seed), config)["x_vals"]
    boundary = -np.asarray(record.value("A", record.steps))
    accuracy = np.asarray(record.evaluations["test"]["accuracy"])[()]
    bins = np.linspace(-5, 5, 50)
    figure = new_figure((7.0, 4.8))
    axes = figure.add_subplot()
    axes.hist(x_vals[0:50], bins, alpha=0.5, label="N(-1,1)", color="blue")
    axes.hist(x_vals[50:100], bins[0:50], alpha=0.5, label="N(2,1)", color="red")
    axes.plot(
        (boundary, boundary),
        (0, 8),
        "k--",
        linewidth=3,
        label=f"A = {np.round(boundary, 2)!s}",
    )
    axes.legend(loc="upper right")
    axes.set_title(f"Binary Classifier, Accuracy={np.round(accuracy, 2)!s}")
    return png(figure)


EVALUATING = Script(
    "02-08",
    parts=("02-08-regression", "02-08-classification"),
    summary="02/08 evaluating models: the regression and its MSE, then the classification, "
    "its accuracy and histogram",
    figures=lambda records: {"binary_classifier.png": histogram_png(Classification(), records[1])},
)
