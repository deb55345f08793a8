"""Measure the porting pitfalls of docs/porting.md on a recorded run of the article.

    tf1repro reproduce --out artifacts --no-plot
    python docs/pitfalls.py artifacts/run_batch.json artifacts/run_stochastic.json

For each record it replays deliberately wrong TF2 ports (and a naive NumPy twin) on the recorded
feeds and initial value and prints how far ``compare_records`` finds them from the recorded graph
run. It runs TF2 code with v2 behaviour on, so it never trains a TF1 graph itself.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from tf1repro import Record, compare_records
from tf1repro.record import load_record

F32 = np.float32


def _loss(tf: Any, record: Record, a: Any, x: Any, y: Any) -> Any:
    if record.tutorial == "batch":
        return tf.reduce_mean(tf.square(tf.matmul(x, a) - y))
    return tf.square(tf.multiply(x, a) - y)


def _as_record(record: Record, backend: str, a: list[Any], loss: list[Any]) -> Record:
    steps = record.steps
    return Record(
        tutorial=record.tutorial,
        backend=backend,
        config=record.config,
        seed=record.seed,
        versions={},
        feeds=record.feeds,
        initial=record.initial,
        variables={
            "A": np.array(a, dtype=F32).reshape(
                record.variables["A"].shape[:1] + record.initial["A"].shape
            )
        },
        fetches={
            "loss": np.array(loss, dtype=F32).reshape((steps, *record.fetches["loss"].shape[1:]))
        },
    )


def port(tf: Any, record: Record, *, dtype: Any = F32, pre_update_loss: bool = False) -> Record:
    """A hand-written TF2 port, with the two mistakes this script measures as options."""
    a = tf.Variable(record.initial["A"].astype(dtype))
    learning_rate = tf.constant(record.config["learning_rate"], dtype=dtype)

    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            loss = _loss(tf, record, a, x, y)
        a.assign_sub(learning_rate * tape.gradient(loss, a))
        return loss

    train_step = tf.function(step)
    current_loss = tf.function(lambda x, y: _loss(tf, record, a, x, y))
    params, losses = [], []
    for i in range(record.steps):
        # The float64 mistake: the data as drawn (float64) instead of the float32 that was fed.
        x = record.feeds["x"][i].astype(dtype)
        y = record.feeds["y"][i].astype(dtype)
        loss = train_step(x, y)
        if not pre_update_loss:
            loss = current_loss(x, y)
        params.append(a.numpy())
        losses.append(loss.numpy())
    return _as_record(record, "eager", params, losses)


def naive_twin(record: Record) -> Record:
    """A NumPy float32 replay of the batch trainer that sums with NumPy's own order."""
    lr = F32(record.config["learning_rate"])
    a = F32(record.initial["A"].item())
    params, losses = [], []
    for i in range(record.steps):
        x, y = record.feeds["x"][i][:, 0], record.feeds["y"][i][:, 0]
        grad = np.dot(x, (F32(1) / F32(len(x))) * (F32(2) * (x * a - y)))
        a = F32(a - grad * lr)
        params.append(a)
        losses.append(np.mean(np.square(x * a - y), dtype=F32))
    return _as_record(record, "numpy", params, losses)


def main(paths: list[str]) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    for path in paths:
        record = load_record(path)
        size = record.config.get("batch_size", 1)
        print(f"{path} ({record.tutorial}, batch size {size}, seed {record.seed}):")
        variants = {
            "correct port": port(tf, record),
            "port in float64": port(tf, record, dtype=np.float64),
            "loss read before the update": port(tf, record, pre_update_loss=True),
        }
        if record.tutorial == "batch":
            variants["NumPy twin with np.dot / np.mean"] = naive_twin(record)
        for name, other in variants.items():
            print(f"  {name}: {compare_records(record, other).summary()}")
        tf.random.set_seed(record.seed)
        reseeded = tf.random.normal(record.initial["A"].shape).numpy()
        print(f"  A0 recorded {record.initial['A']!s}, from tf.random.set_seed: {reseeded!s}")


if __name__ == "__main__":
    main(sys.argv[1:])
