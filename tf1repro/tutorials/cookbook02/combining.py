"""Recipe 02/07 of the cookbook, "combining everything together": is an iris a setosa?

The original (``07_combining_everything_together.py``) separates I. setosa from the other two
species by the line ``x1 = A * x2 + b`` over two features of scikit-learn's bundled iris data
(``load_iris``, no download; tf1repro ships the same rows, ``tf1repro.tutorials.iris``): ``x1``
is the petal length and ``x2`` the petal width. Three ``[None, 1]`` placeholders (``x1``,
``x2``, the 0/1 target), ``A`` and ``b`` of shape ``[1, 1]`` from ``random_normal``; the logits
are ``x1 - (matmul(x2, A) + b)`` and the loss is the unreduced
``sigmoid_cross_entropy_with_logits`` of a batch of 20 (its gradient sums over the batch).
``GradientDescentOptimizer(0.05)``, 1000 steps; it prints ``A`` and ``b`` every 200 steps (not
the loss) and plots the fitted line over the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.record import Record
from tf1repro.tutorial import Arrays, Script, Tutorial, V1Graph, V2Port
from tf1repro.tutorials.iris import iris_data, iris_target
from tf1repro.tutorials.output import LoggedConfig, logged_steps, new_figure, png, printed


@dataclass(frozen=True)
class SetosaConfig(LoggedConfig):
    """The setosa classifier, with the original's values."""

    steps: int = param(1000, Int(1, MAX_STEPS), "optimizer steps (the original's range(1000))")
    learning_rate: float = param(0.05, Float(positive=True), "GradientDescentOptimizer's rate")
    log_every: int = param(200, Int(1, MAX_STEPS), "print A and b every N steps")
    batch_size: int = param(20, Int(1, 1_000_000), "rows of iris a step, drawn with replacement")


def iris_petals() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Petal length and width of the 150 irises (``[150, 2]``) and 1.0 for a setosa, else 0.0."""
    petals = np.array(iris_data()[:, 2:4])
    setosa = np.where(iris_target() == 0, 1.0, 0.0)
    return petals, setosa


class Setosa(Tutorial[SetosaConfig]):
    """02/07: a sigmoid line classifier of setosa on petal length and width."""

    name = "02-07-setosa"
    summary = (
        "02/07 combining everything: setosa or not on iris, 3 placeholders, A [1, 1], "
        "b [1, 1], sigmoid cross-entropy, batches of 20"
    )
    # Goldens keep the first 200 steps, two seeds: a full run's feeds take 1 MB of JSON.
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {"steps200": {"steps": 200}}
    golden_seeds: ClassVar[Sequence[int]] = (0, 1)
    golden_tolerance_ulps: ClassVar[float] = 2.0
    golden_tolerance_reason: ClassVar[str] = (
        "the Reciprocal in the gradient of the cross-entropy's log1p: Eigen's float reciprocal is "
        "the CPU's estimate (rcpps) refined by one Newton step, not a rounded division. Measured: "
        "b by at most 1 ulp on TF 2.12-2.20 against the 2.21 goldens (2.21 rounds about 1 value "
        "in 4 differently, Grappler on or off alike), and by at most 1.5 ulp over 200 steps on "
        "2.21 on an AMD EPYC against goldens made on another vendor's CPU, whose estimates differ; "
        "bit for bit on the release, kernel path and CPU vendor that made a golden"
    )

    def data(self, rng: np.random.RandomState, config: SetosaConfig) -> dict[str, Any]:
        petals, setosa = iris_petals()
        return {"iris_2d": petals, "binary_target": setosa}

    def feeds(
        self,
        rng: np.random.RandomState,
        config: SetosaConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        petals = data["iris_2d"]
        rand_index = rng.choice(len(petals), size=config.batch_size)
        rows = petals[rand_index]
        return {
            "x1": rows[:, 0:1],
            "x2": rows[:, 1:2],
            "y": data["binary_target"][rand_index][:, np.newaxis],
        }

    def build_v1(self, tf: ModuleType, config: SetosaConfig) -> V1Graph:
        x1_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        x2_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[1, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        my_output = tf.subtract(x1_data, tf.add(tf.matmul(x2_data, a), b))
        xentropy = tf.nn.sigmoid_cross_entropy_with_logits(logits=my_output, labels=y_target)
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(xentropy)
        return V1Graph(
            placeholders={"x1": x1_data, "x2": x2_data, "y": y_target},
            variables={"A": a, "b": b},
            # The original fetches nothing but A and b while training.
            fetches={},
            train=train_step,
        )

    def port_v2(self, tf: ModuleType, config: SetosaConfig, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")
        b = tf.Variable(initial["b"], name="b")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            logits = feeds["x1"] - (tf.matmul(feeds["x2"], a) + b)
            return {
                "xentropy": tf.nn.sigmoid_cross_entropy_with_logits(
                    labels=feeds["y"], logits=logits
                )
            }

        optimizer = tf.keras.optimizers.SGD(config.learning_rate)
        return V2Port({"A": a, "b": b}, forward, optimizer, loss="xentropy")

    def log(self, record: Record) -> list[str]:
        return [
            f"Step #{step} A = {printed(record.value('A', step))}, "
            f"b = {printed(record.value('b', step))}"
            for step in logged_steps(record)
        ]

    def figures(self, records: Sequence[Record]) -> dict[str, bytes]:
        return {"setosa_separator.png": separator_png(records[0])}


def separator_png(record: Record) -> bytes:
    """The original's figure: setosa ('rx') and the others ('ro') by petal width (across) and
    length (up), and the trained line ``length = A * width + b`` ('b-').

    The original labels its axes the other way round; here each axis is named by what it
    shows.
    """
    petals, setosa = iris_petals()
    slope = float(record.value("A", record.steps).reshape(-1)[0])
    intercept = float(record.value("b", record.steps).reshape(-1)[0])
    x = np.linspace(0, 3, num=50)
    figure = new_figure((7.0, 4.8))
    axes = figure.add_subplot()
    is_setosa = setosa == 1
    axes.plot(petals[is_setosa, 1], petals[is_setosa, 0], "rx", ms=10, mew=2, label="setosa")
    axes.plot(petals[~is_setosa, 1], petals[~is_setosa, 0], "ro", label="Non-setosa")
    axes.plot(x, slope * x + intercept, "b-")
    axes.set_xlim([0.0, 2.7])
    axes.set_ylim([0.0, 7.1])
    figure.suptitle("Linear Separator For I.setosa", fontsize=20)
    axes.set_title(f"A = {slope:.4g}, b = {intercept:.4g}, seed {record.seed}", fontsize=10)
    axes.set_xlabel("Petal Width")
    axes.set_ylabel("Petal Length")
    axes.legend(loc="lower right")
    return png(figure)


COMBINING = Script(
    "02-07",
    parts=("02-07-setosa",),
    summary="02/07 combining everything: the setosa classifier and its separating line",
    figures=lambda records: {"setosa_separator.png": separator_png(records[0])},
)
