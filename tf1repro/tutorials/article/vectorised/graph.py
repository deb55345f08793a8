"""R runs in one TF1 graph: ``A`` gets a leading run axis, every op works run by run.

The article's graphs, with one change: each tensor gains a leading axis of length R. The
stochastic graph multiplies ``[R, 1]`` by ``[R, 1]`` elementwise; the batch graph uses a batched
``matmul`` of ``[R, k, 1]`` by ``[R, 1, 1]`` and averages each run's squared errors over its own
k rows. Minimising the vector of R losses differentiates their sum, and since no run's loss
depends on another run's ``A``, each run receives exactly its own gradient. The loop is the
article's: feed every run's batch, run the train op, then read ``A`` and the loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro import runtime
from tf1repro.tutorials.article import TrainConfig
from tf1repro.tutorials.article.vectorised.inputs import ChunkInputs


@dataclass(frozen=True)
class VectorisedGraph:
    x: Any
    y: Any
    a0: Any
    param: Any
    loss: Any
    train_op: Any
    feed_rank: int
    """3 when rows are fed as ``[R, k, 1]`` (matmul), 2 for ``[R, 1]`` (multiply)."""


def _stochastic(tf: ModuleType, config: TrainConfig, runs: int) -> VectorisedGraph:
    x = tf.placeholder(shape=[runs, 1], dtype=tf.float32)
    y = tf.placeholder(shape=[runs, 1], dtype=tf.float32)
    a0 = tf.placeholder(shape=[runs, 1], dtype=tf.float32)
    a = tf.Variable(a0)
    loss = tf.square(tf.multiply(x, a) - y)
    train_op = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
    return VectorisedGraph(x, y, a0, a, loss, train_op, feed_rank=2)


def _batch(tf: ModuleType, config: TrainConfig, runs: int) -> VectorisedGraph:
    x = tf.placeholder(shape=[runs, None, 1], dtype=tf.float32)
    y = tf.placeholder(shape=[runs, None, 1], dtype=tf.float32)
    a0 = tf.placeholder(shape=[runs, 1, 1], dtype=tf.float32)
    a = tf.Variable(a0)
    loss = tf.reduce_mean(tf.square(tf.matmul(x, a) - y), axis=[1, 2])
    train_op = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
    return VectorisedGraph(x, y, a0, a, loss, train_op, feed_rank=3)


#: The vectorised twin of each recipe's graph, by recipe name.
BUILDERS: dict[str, Callable[[ModuleType, TrainConfig, int], VectorisedGraph]] = {
    "stochastic": _stochastic,
    "batch": _batch,
}


def train_chunk(
    trainer: str, config: TrainConfig, inputs: ChunkInputs, a0: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Train every run of ``inputs`` in one graph; returns ``a`` and ``loss``, ``[runs, steps]``."""
    if trainer not in BUILDERS:
        raise NotImplementedError(f"no vectorised graph for the {trainer!r} trainer")
    tf = runtime.tf_v1()
    runs = len(inputs.x)
    a = np.empty((runs, config.steps), dtype=np.float32)
    loss = np.empty_like(a)
    with runtime.graph_session(0) as session:
        graph = BUILDERS[trainer](tf, config, runs)
        shape = (runs,) + (1,) * (graph.feed_rank - 1)
        session.run(tf.global_variables_initializer(), {graph.a0: a0.reshape(shape)})
        xs, ys = inputs.batches()
        for step in range(config.steps):
            x, y = xs[step], ys[step]
            if graph.feed_rank == 3:
                x, y = x[..., np.newaxis], y[..., np.newaxis]
            feed = {graph.x: x, graph.y: y}
            session.run(graph.train_op, feed_dict=feed)
            param, step_loss = session.run([graph.param, graph.loss], feed_dict=feed)
            a[:, step] = param.reshape(runs)
            loss[:, step] = step_loss.reshape(runs)
    return a, loss
