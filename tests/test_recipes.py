"""A tutorial is one Recipe subclass: the training loops, replay and comparison come for free."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tf1repro import TrainConfig, compare_runs, get_recipe, recipe_names, replay_reference
from tf1repro.graph import train
from tf1repro.recipes import Column, GraphHandles, Recipe, Rows
from tf1repro.report import article_log


class AbsoluteError(Recipe):
    """The stochastic trainer with an L1 loss, as a contributor would add it."""

    name = "test-absolute-error"
    param_shape = (1,)
    loss_shape = (1,)
    feed_shape = (1,)

    def sample_step(self, rng: np.random.RandomState, config: TrainConfig) -> npt.ArrayLike:
        return rng.choice(config.data_size)

    def build_graph(self, tf: ModuleType, config: TrainConfig) -> GraphHandles:
        x = tf.placeholder(shape=[1], dtype=tf.float32)
        y = tf.placeholder(shape=[1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[1]))
        loss = tf.abs(tf.multiply(x, a) - y)
        train_op = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return GraphHandles(x=x, y=y, param=a, loss=loss, train_op=train_op)

    def reference_step(self, a: Column, x: Rows, y: Rows, lr: np.float32) -> Column:
        x, y = x[:, 0], y[:, 0]
        grad = np.sign(x * a - y) * x  # Abs's gradient is sign(error) times upstream (1)
        return a - grad * lr

    def reference_loss(self, a: Column, x: Rows, y: Rows) -> Column:
        return np.abs(x[:, 0] * a - y[:, 0])

    def eager_loss(self, tf: ModuleType, a: Any, x: Any, y: Any) -> Any:
        return tf.abs(tf.multiply(x, a) - y)


def test_a_new_recipe_registers_itself() -> None:
    assert "test-absolute-error" in recipe_names()
    assert isinstance(get_recipe("test-absolute-error"), AbsoluteError)
    assert {"stochastic", "batch"} <= set(recipe_names())


def test_a_new_recipe_trains_replays_and_logs() -> None:
    config = TrainConfig(steps=40, log_every=10, learning_rate=0.1)
    run = train("test-absolute-error", config, seed=4)
    assert run.trainer == "test-absolute-error" and run.a[-1] > run.a0
    assert compare_runs(run, replay_reference(run)).worst == 0
    assert article_log(run)[0].startswith("Step #10 A = [")


def test_unknown_trainer_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown trainer 'sgd'; known trainers: .*batch"):
        get_recipe("sgd")


def test_two_recipes_cannot_share_a_name() -> None:
    assert "batch" in recipe_names()  # the article's recipes are registered first
    with pytest.raises(ValueError, match="two recipes are named 'batch'"):

        class Duplicate(AbsoluteError):
            name = "batch"
