"""tests/data/scripts/nn_iris.py restated as a tutorial: a network with one hidden layer on
iris, petal width from the other three measurements, that evaluates its loss on the test set
after every step.

The test loss is the loss (a fetch) on the ``test`` evaluation feeds: checked against the
script's recording, it is compared after every step the script evaluated it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from tf1repro import Config, Float, Int, Tutorial, V1Graph, V2Port, param
from tf1repro.tutorials.iris import iris_data


@dataclass(frozen=True)
class NetworkConfig(Config):
    steps: int = param(20, Int(1, 10_000), "optimizer steps (the script's range(20))")
    learning_rate: float = param(0.005, Float(positive=True), "GradientDescentOptimizer's rate")
    batch_size: int = param(50, Int(1, 120), "training flowers a step, drawn with replacement")
    hidden_layer_nodes: int = param(10, Int(1, 1000), "units of the hidden layer")


def normalize_cols(m: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Min-max normalisation of each column, as the script's."""
    col_max = m.max(axis=0)
    col_min = m.min(axis=0)
    return (m - col_min) / (col_max - col_min)


class Network(Tutorial[NetworkConfig]):
    name = "nn-iris"

    def data(self, rng: np.random.RandomState, config: NetworkConfig) -> dict[str, Any]:
        x_vals = np.array([flower[0:3] for flower in iris_data()])
        y_vals = np.array([flower[3] for flower in iris_data()])
        train = rng.choice(len(x_vals), round(len(x_vals) * 0.8), replace=False)
        test = np.array(list(set(range(len(x_vals))) - set(train)))
        return {
            "x_train": np.nan_to_num(normalize_cols(x_vals[train])),
            "x_test": np.nan_to_num(normalize_cols(x_vals[test])),
            "y_train": y_vals[train],
            "y_test": y_vals[test],
        }

    def feeds(
        self, rng: np.random.RandomState, config: NetworkConfig, data: Mapping[str, Any], step: int
    ) -> dict[str, Any]:
        rows = rng.choice(len(data["x_train"]), size=config.batch_size)
        return {"x": data["x_train"][rows], "y": np.transpose([data["y_train"][rows]])}

    def evaluation_feeds(
        self, config: NetworkConfig, data: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        return {"test": {"x": data["x_test"], "y": np.transpose([data["y_test"]])}}

    def build_v1(self, tf: ModuleType, config: NetworkConfig) -> V1Graph:
        nodes = config.hidden_layer_nodes
        x = tf.placeholder(shape=[None, 3], dtype=tf.float32)
        y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a1 = tf.Variable(tf.random_normal(shape=[3, nodes]))
        b1 = tf.Variable(tf.random_normal(shape=[nodes]))
        a2 = tf.Variable(tf.random_normal(shape=[nodes, 1]))
        b2 = tf.Variable(tf.random_normal(shape=[1]))
        hidden = tf.nn.relu(tf.add(tf.matmul(x, a1), b1))
        output = tf.nn.relu(tf.add(tf.matmul(hidden, a2), b2))
        loss = tf.reduce_mean(tf.square(y - output))
        train = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph(
            {"x": x, "y": y},
            {"A1": a1, "b1": b1, "A2": a2, "b2": b2},
            {"loss": loss},
            train,
            evaluations={"test_loss": loss},
        )

    def port_v2(self, tf: ModuleType, config: NetworkConfig, initial: Mapping[str, Any]) -> V2Port:
        variables = {name: tf.Variable(initial[name]) for name in ("A1", "b1", "A2", "b2")}

        def loss(feeds: Mapping[str, Any]) -> Any:
            v = variables
            hidden = tf.nn.relu(tf.matmul(feeds["x"], v["A1"]) + v["b1"])
            output = tf.nn.relu(tf.matmul(hidden, v["A2"]) + v["b2"])
            return tf.reduce_mean(tf.square(feeds["y"] - output))

        optimizer = tf.keras.optimizers.SGD(config.learning_rate)
        return V2Port(
            variables,
            lambda feeds: {"loss": loss(feeds)},
            optimizer,
            evaluate=lambda feeds: {"test_loss": loss(feeds)},
        )
