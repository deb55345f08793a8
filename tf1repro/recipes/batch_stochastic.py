"""The article: one parameter ``A`` trained so that ``x * A`` approaches 10.

Stochastic training feeds one sample a step into ``[1]`` placeholders and multiplies elementwise;
batch training feeds ``[None, 1]`` placeholders, multiplies by ``matmul`` and averages the squared
errors with ``reduce_mean``. Both minimise with ``GradientDescentOptimizer``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro import kernels
from tf1repro.config import TrainConfig
from tf1repro.recipes import F32, Column, GraphHandles, Recipe, Rows

TWO = F32(2)


class Stochastic(Recipe):
    """``loss = square(multiply(x, A) - y)`` on one sample a step."""

    name = "stochastic"
    param_shape = (1,)
    loss_shape = (1,)
    feed_shape = (1,)

    def sample_step(self, rng: np.random.RandomState, config: TrainConfig) -> npt.ArrayLike:
        return rng.choice(config.data_size)

    def build_graph(self, tf: ModuleType, config: TrainConfig) -> GraphHandles:
        x = tf.placeholder(shape=[1], dtype=tf.float32)
        y = tf.placeholder(shape=[1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[1]))
        output = tf.multiply(x, a)
        loss = tf.square(output - y)
        train_op = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return GraphHandles(x=x, y=y, param=a, loss=loss, train_op=train_op)

    def reference_step(self, a: Column, x: Rows, y: Rows, lr: np.float32) -> Column:
        x, y = x[:, 0], y[:, 0]
        error = x * a - y
        # Square's gradient is upstream * (2 * error), with upstream = 1; Mul's multiplies by x.
        grad = (error * TWO) * x
        return a - grad * lr

    def reference_loss(self, a: Column, x: Rows, y: Rows) -> Column:
        error = x[:, 0] * a - y[:, 0]
        return error * error

    def eager_loss(self, tf: ModuleType, a: Any, x: Any, y: Any) -> Any:
        # The TF1 graph's forward ops, unchanged: only state and execution differ in TF2.
        return tf.square(tf.multiply(x, a) - y)


class Batch(Recipe):
    """``loss = reduce_mean(square(matmul(x, A) - y))`` on ``batch_size`` samples a step."""

    name = "batch"
    param_shape = (1, 1)
    loss_shape = ()
    feed_shape = (-1, 1)

    def sample_step(self, rng: np.random.RandomState, config: TrainConfig) -> npt.ArrayLike:
        return rng.choice(config.data_size, size=config.batch_size)

    def build_graph(self, tf: ModuleType, config: TrainConfig) -> GraphHandles:
        x = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[1, 1]))
        output = tf.matmul(x, a)
        loss = tf.reduce_mean(tf.square(output - y))
        train_op = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return GraphHandles(x=x, y=y, param=a, loss=loss, train_op=train_op)

    def reference_step(self, a: Column, x: Rows, y: Rows, lr: np.float32) -> Column:
        error = x * a[:, np.newaxis] - y
        # Mean's gradient is 1/n (one division) times upstream; Square's multiplies by 2 * error;
        # MatMul's gradient for A is x^T @ that, a dot product that oneDNN sums in its own way.
        upstream = (F32(1) / F32(x.shape[1])) * (TWO * error)
        grad = kernels.onednn_dot(x, upstream)
        return a - grad * lr

    def reference_loss(self, a: Column, x: Rows, y: Rows) -> Column:
        error = x * a[:, np.newaxis] - y
        return kernels.eigen_mean(error * error)

    def eager_loss(self, tf: ModuleType, a: Any, x: Any, y: Any) -> Any:
        return tf.reduce_mean(tf.square(tf.matmul(x, a) - y))
