"""tests/data/scripts/svm_iris.py restated as a tutorial: a soft-margin linear SVM on iris that
evaluates its accuracy on the training and on the test set after every step.

The accuracy is an evaluation (``V1Graph(evaluations=...)``, ``V2Port(evaluate=...)``) on the
two ``evaluation_feeds``, in the order the script first evaluates on them: checked against the
script's recording, it is compared after every step the script evaluated it
(``tf1repro compare svm_iris.py:Svm --record RUN``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from tf1repro import Config, Float, Int, Tutorial, V1Graph, V2Port, param
from tf1repro.tutorials.iris import iris_data, iris_target


@dataclass(frozen=True)
class SvmConfig(Config):
    steps: int = param(20, Int(1, 10_000), "optimizer steps (the script's range(20))")
    learning_rate: float = param(0.01, Float(positive=True), "GradientDescentOptimizer's rate")
    batch_size: int = param(25, Int(1, 120), "training flowers a step, drawn with replacement")


class Svm(Tutorial[SvmConfig]):
    name = "svm-iris"

    def data(self, rng: np.random.RandomState, config: SvmConfig) -> dict[str, Any]:
        x_vals = np.array([[flower[0], flower[3]] for flower in iris_data()])
        y_vals = np.array([1 if species == 0 else -1 for species in iris_target()])
        train = rng.choice(len(x_vals), round(len(x_vals) * 0.8), replace=False)
        # The script's test rows, in the order its set difference yields them.
        test = np.array(list(set(range(len(x_vals))) - set(train)))
        return {
            "x_train": x_vals[train],
            "x_test": x_vals[test],
            "y_train": y_vals[train],
            "y_test": y_vals[test],
        }

    def feeds(
        self, rng: np.random.RandomState, config: SvmConfig, data: Mapping[str, Any], step: int
    ) -> dict[str, Any]:
        rows = rng.choice(len(data["x_train"]), size=config.batch_size)
        return {"x": data["x_train"][rows], "y": np.transpose([data["y_train"][rows]])}

    def evaluation_feeds(
        self, config: SvmConfig, data: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        return {
            part: {"x": data[f"x_{part}"], "y": np.transpose([data[f"y_{part}"]])}
            for part in ("train", "test")
        }

    def build_v1(self, tf: ModuleType, config: SvmConfig) -> V1Graph:
        x = tf.placeholder(shape=[None, 2], dtype=tf.float32)
        y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[2, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        output = tf.subtract(tf.matmul(x, a), b)
        l2_norm = tf.reduce_sum(tf.square(a))
        alpha = tf.constant([0.01])
        hinge = tf.reduce_mean(tf.maximum(0.0, tf.subtract(1.0, tf.multiply(output, y))))
        loss = tf.add(hinge, tf.multiply(alpha, l2_norm))
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.sign(output), y), tf.float32))
        train = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph(
            {"x": x, "y": y},
            {"A": a, "b": b},
            {"loss": loss},
            train,
            evaluations={"accuracy": accuracy},
        )

    def port_v2(self, tf: ModuleType, config: SvmConfig, initial: Mapping[str, Any]) -> V2Port:
        a = tf.Variable(initial["A"])
        b = tf.Variable(initial["b"])

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            output = tf.matmul(feeds["x"], a) - b
            hinge = tf.reduce_mean(tf.maximum(0.0, 1.0 - output * feeds["y"]))
            return {"loss": hinge + tf.constant([0.01]) * tf.reduce_sum(tf.square(a))}

        def evaluate(feeds: Mapping[str, Any]) -> dict[str, Any]:
            output = tf.matmul(feeds["x"], a) - b
            hits = tf.cast(tf.equal(tf.sign(output), feeds["y"]), tf.float32)
            return {"accuracy": tf.reduce_mean(hits)}

        optimizer = tf.keras.optimizers.SGD(config.learning_rate)
        return V2Port({"A": a, "b": b}, forward, optimizer, evaluate=evaluate)


class TestedOnTraining(Svm):
    """A deliberate mistake: the test accuracy evaluated on the training flowers."""

    def evaluation_feeds(
        self, config: SvmConfig, data: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        train = {"x": data["x_train"], "y": np.transpose([data["y_train"]])}
        return {"train": train, "test": train}
