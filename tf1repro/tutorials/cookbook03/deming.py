"""Recipe 03/05, Deming regression: the mean perpendicular distance of the points to the line.

``loss = reduce_mean(abs(y - (matmul(x, A) + b)) / sqrt(square(A) + 1))`` on sepal length
against petal width, batches of 50, ``GradientDescentOptimizer(0.15)`` for 1000 steps,
printed every 50. The original seeds itself: ``tf.set_random_seed(42)`` and
``np.random.seed(42)`` right after ``reset_default_graph()``, so every seed gives its run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.tutorial import Arrays, V1Graph, V2Port
from tf1repro.tutorials.cookbook03.common import IrisRegression, RegressionConfig

SEED = 42


@dataclass(frozen=True)
class DemingConfig(RegressionConfig):
    steps: int = param(1000, Int(1, MAX_STEPS), "optimizer steps (the original's range(N))")
    learning_rate: float = param(0.15, Float(positive=True), "GradientDescentOptimizer's rate")
    batch_size: int = param(50, Int(1, 1_000_000), "rows drawn (with replacement) per step")
    log_every: int = param(50, Int(1, MAX_STEPS), "print A, b and the loss every N steps")


class Deming(IrisRegression[DemingConfig]):
    """Total least squares for one ``x``: the distance to the line, not the vertical error."""

    name = "03-05"
    summary = "cookbook 03/05: Deming regression on iris, abs/sqrt loss, seeds itself (42)"
    own_seed = SEED
    golden_seeds = (0,)
    # One seed: every seed is the same run. Its first 100 steps keep the file small.
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "steps100": {"steps": 100, "log_every": 50}
    }

    def build_v1(self, tf: ModuleType, config: DemingConfig) -> V1Graph:
        tf.set_random_seed(SEED)
        x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[1, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        # The original builds this output and never uses it; the loss builds its own copy.
        tf.add(tf.matmul(x_data, a), b)
        deming_numerator = tf.abs(tf.subtract(y_target, tf.add(tf.matmul(x_data, a), b)))
        deming_denominator = tf.sqrt(tf.add(tf.square(a), 1))
        loss = tf.reduce_mean(tf.truediv(deming_numerator, deming_denominator))
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph({"x": x_data, "y": y_target}, {"A": a, "b": b}, {"loss": loss}, train_step)

    def port_v2(self, tf: ModuleType, config: DemingConfig, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")
        b = tf.Variable(initial["b"], name="b")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            numerator = tf.abs(feeds["y"] - (feeds["x"] @ a + b))
            denominator = tf.sqrt(tf.square(a) + 1.0)
            return {"loss": tf.reduce_mean(numerator / denominator)}

        return V2Port({"A": a, "b": b}, forward, tf.keras.optimizers.SGD(config.learning_rate))
