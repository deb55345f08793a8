"""Measure the porting pitfalls of docs/porting.md on a recorded Run.

    tf1repro reproduce --out artifacts --no-plot
    python docs/pitfalls.py artifacts/run_batch.json artifacts/run_stochastic.json

For each Run it replays deliberately wrong TF2 ports (and a naive NumPy reference) on the
recorded inputs and prints how far ``compare_runs`` finds them from the recorded graph run. It
runs TF2 code with v2 behaviour on, so it never trains a TF1 graph itself.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from tf1repro import Run, compare_runs, get_recipe
from tf1repro.data import targets


def port(tf: Any, run: Run, *, dtype: Any = np.float32, pre_update_loss: bool = False) -> Run:
    """tf1repro.eager's loop, with the two mistakes this script measures as options."""
    recipe = get_recipe(run.trainer)
    x_all, y_all = run.x.astype(dtype), targets(run.config).astype(dtype)
    a = tf.Variable(np.full(recipe.param_shape, run.a0, dtype=dtype))
    learning_rate = tf.constant(run.config.learning_rate, dtype=dtype)

    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            loss = recipe.eager_loss(tf, a, x, y)
        a.assign_sub(learning_rate * tape.gradient(loss, a))
        return loss

    train_step = tf.function(step)
    current_loss = tf.function(lambda x, y: recipe.eager_loss(tf, a, x, y))
    params, losses = [], []
    for rows in run.indices:
        x = x_all[rows].reshape(recipe.feed_shape)
        y = y_all[rows].reshape(recipe.feed_shape)
        loss = train_step(x, y)
        if not pre_update_loss:
            loss = current_loss(x, y)
        params.append(a.numpy().reshape(-1)[0])
        losses.append(loss.numpy().reshape(-1)[0])
    return Run.from_dict(
        {**run.to_dict(), "backend": "eager", "a": params, "loss": np.float32(losses).tolist()}
    )


def naive_reference(run: Run) -> Run:
    """A NumPy float32 replay of the batch trainer that sums with NumPy's own order."""
    x_all = run.x.astype(np.float32)
    y = np.float32(run.config.target)
    lr = np.float32(run.config.learning_rate)
    a = np.float32(run.a0)
    params, losses = [], []
    for rows in run.indices:
        x = x_all[rows]
        error = x * a - y
        grad = np.dot(x, (np.float32(1) / np.float32(len(x))) * (np.float32(2) * error))
        a = np.float32(a - grad * lr)
        params.append(a)
        losses.append(np.mean(np.square(x * a - y), dtype=np.float32))
    return Run.from_dict(
        {**run.to_dict(), "backend": "reference", "a": params, "loss": np.float32(losses).tolist()}
    )


def main(paths: list[str]) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    for path in paths:
        run = Run.load(path)
        print(f"{path} ({run.trainer}, batch size {run.config.batch_size}, seed {run.seed}):")
        variants = {
            "correct port": port(tf, run),
            "port in float64": port(tf, run, dtype=np.float64),
            "loss read before the update": port(tf, run, pre_update_loss=True),
        }
        if run.trainer == "batch":
            variants["NumPy reference with np.dot / np.mean"] = naive_reference(run)
        for name, other in variants.items():
            print(f"  {name}: {compare_runs(run, other).summary()}")
        tf.random.set_seed(run.seed)
        reseeded = tf.random.normal(get_recipe(run.trainer).param_shape).numpy().reshape(-1)[0]
        print(f"  A0 recorded {run.a0!s}, A0 from tf.random.set_seed({run.seed}): {reseeded!s}")


if __name__ == "__main__":
    main(sys.argv[1:])
