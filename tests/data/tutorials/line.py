"""A two-variable linear model with momentum: a contributor's tutorial file."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from tf1repro import Config, Float, Int, Tutorial, V1Graph, V2Port, param


@dataclass(frozen=True)
class LineConfig(Config):
    steps: int = param(30, Int(1, 1000), "optimizer steps")
    learning_rate: float = param(0.05, Float(positive=True), "the optimizer's rate")
    momentum: float = param(0.9, Float(), "MomentumOptimizer's momentum")
    batch_size: int = param(8, Int(1, 64), "rows per step")


class Line(Tutorial[LineConfig]):
    name = "line"

    def data(self, rng: np.random.RandomState, config: LineConfig) -> dict[str, Any]:
        x = rng.uniform(-1, 1, size=(50, 3))
        y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + rng.normal(0, 0.1, size=(50, 1))
        return {"x": x, "y": y}

    def feeds(
        self, rng: np.random.RandomState, config: LineConfig, data: Mapping[str, Any], step: int
    ) -> dict[str, Any]:
        rows = rng.choice(50, size=config.batch_size)
        return {"x": data["x"][rows], "y": data["y"][rows]}

    def optimizer_v1(self, tf: ModuleType, config: LineConfig) -> Any:
        return tf.train.MomentumOptimizer(config.learning_rate, config.momentum)

    def build_v1(self, tf: ModuleType, config: LineConfig) -> V1Graph:
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.placeholder(tf.float32, [None, 1])
        w = tf.Variable(tf.random_normal([3, 1]))
        b = tf.Variable(tf.zeros([1]))
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        train = self.optimizer_v1(tf, config).minimize(loss)
        return V1Graph({"x": x, "y": y}, {"W": w, "b": b}, {"loss": loss}, train)

    def optimizer_v2(self, tf: ModuleType, config: LineConfig) -> Any:
        return tf.compat.v1.train.MomentumOptimizer(config.learning_rate, config.momentum)

    def port_v2(self, tf: ModuleType, config: LineConfig, initial: Mapping[str, Any]) -> V2Port:
        w = tf.Variable(initial["W"])
        b = tf.Variable(initial["b"])

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return {"loss": tf.reduce_mean(tf.square(tf.matmul(feeds["x"], w) + b - feeds["y"]))}

        return V2Port({"W": w, "b": b}, forward, self.optimizer_v2(tf, config))


class WrongAdam(Line):
    name = "wrong-adam"

    def optimizer_v1(self, tf: ModuleType, config: LineConfig) -> Any:
        return tf.train.AdamOptimizer(config.learning_rate)

    def optimizer_v2(self, tf: ModuleType, config: LineConfig) -> Any:
        return tf.keras.optimizers.Adam(config.learning_rate)
