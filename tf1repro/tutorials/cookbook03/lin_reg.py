"""Recipe 03/03, linear regression the TensorFlow way: ``A``, ``b`` and the mean squared error.

Sepal length against petal width, batches of 25, ``GradientDescentOptimizer(0.05)`` for 100
steps; prints ``A``, ``b`` and the batch's loss every 25 steps and plots the fit and the loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from tf1repro.tutorial import Arrays, V1Graph, V2Port
from tf1repro.tutorials.cookbook03.common import IrisRegression, RegressionConfig


class LinearRegression(IrisRegression[RegressionConfig]):
    """``loss = reduce_mean(square(y - (matmul(x, A) + b)))``."""

    name = "03-03"
    summary = "cookbook 03/03: A [1, 1], b [1, 1] on iris, L2 loss, batches of 25"

    def build_v1(self, tf: ModuleType, config: RegressionConfig) -> V1Graph:
        x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[1, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        model_output = tf.add(tf.matmul(x_data, a), b)
        loss = tf.reduce_mean(tf.square(y_target - model_output))
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph({"x": x_data, "y": y_target}, {"A": a, "b": b}, {"loss": loss}, train_step)

    def port_v2(self, tf: ModuleType, config: RegressionConfig, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")
        b = tf.Variable(initial["b"], name="b")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            model_output = feeds["x"] @ a + b
            return {"loss": tf.reduce_mean(tf.square(feeds["y"] - model_output))}

        return V2Port({"A": a, "b": b}, forward, tf.keras.optimizers.SGD(config.learning_rate))
