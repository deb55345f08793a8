"""A logistic-regression lab restated: six inline rows, the whole batch every step, 10,001 steps.

``KerasLoss`` is a port that swaps the lab's hand-written cross-entropy for Keras'
``binary_crossentropy`` (which clips its input): the mistake a new user makes first.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from tf1repro import Config, Float, Int, Tutorial, V1Graph, V2Port, param

X = [[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]]
Y = [[0], [0], [0], [1], [1], [1]]


@dataclass(frozen=True)
class LogisticConfig(Config):
    steps: int = param(10001, Int(1, 100_000), "optimizer steps")
    learning_rate: float = param(0.01, Float(positive=True), "GradientDescentOptimizer's rate")


class Logistic(Tutorial[LogisticConfig]):
    name = "logistic"

    def data(self, rng: np.random.RandomState, config: LogisticConfig) -> dict[str, Any]:
        return {"x": np.array(X, np.float32), "y": np.array(Y, np.float32)}

    def feeds(
        self,
        rng: np.random.RandomState,
        config: LogisticConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        return dict(data)

    def build_v1(self, tf: ModuleType, config: LogisticConfig) -> V1Graph:
        x = tf.placeholder(tf.float32, shape=[None, 2])
        y = tf.placeholder(tf.float32, shape=[None, 1])
        w = tf.Variable(tf.random_normal([2, 1]), name="weight")
        b = tf.Variable(tf.random_normal([1]), name="bias")
        hypothesis = tf.sigmoid(tf.matmul(x, w) + b)
        cost = -tf.reduce_mean(y * tf.log(hypothesis) + (1 - y) * tf.log(1 - hypothesis))
        train = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(cost)
        return V1Graph({"x": x, "y": y}, {"W": w, "b": b}, {"loss": cost}, train)

    def cost(self, tf: ModuleType, y: Any, hypothesis: Any) -> Any:
        """The lab's cross-entropy, as its graph writes it."""
        return -tf.reduce_mean(y * tf.math.log(hypothesis) + (1 - y) * tf.math.log(1 - hypothesis))

    def port_v2(self, tf: ModuleType, config: LogisticConfig, initial: Mapping[str, Any]) -> V2Port:
        w = tf.Variable(initial["W"])
        b = tf.Variable(initial["b"])

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            hypothesis = tf.sigmoid(tf.matmul(feeds["x"], w) + b)
            return {"loss": self.cost(tf, feeds["y"], hypothesis)}

        optimizer = tf.compat.v1.train.GradientDescentOptimizer(config.learning_rate)
        return V2Port({"W": w, "b": b}, forward, optimizer)


class KerasLoss(Logistic):
    name = "logistic-keras-loss"

    def cost(self, tf: ModuleType, y: Any, hypothesis: Any) -> Any:
        return tf.reduce_mean(tf.keras.losses.binary_crossentropy(y, hypothesis))
