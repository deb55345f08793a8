"""The TF2-native backend: the article's trainers written the TF2 way, in a process of their own.

Each recipe's loss (``Recipe.eager_loss``) is trained with a ``tf.Variable``, a ``tf.function``
train step and a ``tf.GradientTape``, with v2 behaviour on, on the inputs a Run recorded (its
``x``, indices and initial ``A``), so randomness never differs from the other backends.

Why another process: the graph backend calls ``disable_v2_behavior()``, which is process-wide and
cannot be undone, and an eager port measured in such a process would not be TF2 at all. So
``replay_eager`` starts ``python -m tf1repro.eager``, sends the Runs as JSON on its standard input
and reads the replayed Runs from its standard output. That child imports TensorFlow itself and
never the graph runtime; it works the same whether or not the calling process disabled v2
behaviour. TensorFlow's log lines in the child are captured and shown only when it fails, or
always with ``verbose=True``.

Why ``assign_sub`` for the update: ``GradientDescentOptimizer`` applies ``var -= lr * grad`` in
one kernel, and ``A.assign_sub(lr * grad)`` is that same multiply and subtract, with nothing
hidden. Keras' ``SGD`` gave the same bits on TF 2.21, but its API and implementation changed
with Keras 3 (TF 2.16), and an explicit update keeps the port independent of Keras.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tf1repro.data import targets
from tf1repro.errors import DivergenceError
from tf1repro.recipes import get_recipe
from tf1repro.record import Run

#: The child's exit code for a diverged run (its standard output then says where).
_EXIT_DIVERGED = 3


class EagerBackendError(RuntimeError):
    """The eager child process failed; the message carries the end of its stderr."""


def replay_eager(run: Run, *, logdir: Path | None = None, verbose: bool = False) -> Run:
    """Retrain ``run``'s trainer with TF2 eager code on the same ``x``, indices and initial ``A``.

    With ``logdir``, TensorBoard event files (scalars ``A`` and ``loss`` per step) are written
    there with ``tf.summary``. Raises ``DivergenceError`` at the first non-finite loss.
    """
    return replay_eager_all([run], logdirs=[logdir], verbose=verbose)[0]


def replay_eager_all(
    runs: Sequence[Run],
    *,
    logdirs: Sequence[Path | None] | None = None,
    verbose: bool = False,
) -> list[Run]:
    """``replay_eager`` for several Runs in one child process (TensorFlow is imported once)."""
    if logdirs is None:
        logdirs = [None] * len(runs)
    if len(logdirs) != len(runs):
        raise ValueError(f"{len(runs)} runs but {len(logdirs)} log folders")
    if not runs:
        return []
    request = {
        "runs": [run.to_dict() for run in runs],
        "logdirs": [None if d is None else str(d) for d in logdirs],
        "verbose": verbose,
    }
    completed = subprocess.run(
        [sys.executable, "-m", __name__],
        input=json.dumps(request),
        stdout=subprocess.PIPE,
        # Quiet unless verbose: the child's TensorFlow notices are kept for a failure report.
        stderr=None if verbose else subprocess.PIPE,
        text=True,
        env=_child_environment(verbose),
        check=False,
    )
    if completed.returncode == _EXIT_DIVERGED:
        where = json.loads(completed.stdout)["diverged"]
        raise DivergenceError(where["trainer"], "eager", where["step"], where["loss"])
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or "").strip().splitlines()[-15:])
        raise EagerBackendError(
            f"the eager backend process exited with code {completed.returncode}"
            + (f":\n{tail}" if tail else "")
        )
    return [Run.from_dict(data) for data in json.loads(completed.stdout)["runs"]]


def _child_environment(verbose: bool) -> dict[str, str]:
    env = dict(os.environ)
    # The child must find this very package, also when it runs from a source tree.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    if not verbose:
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


# --- The child process: everything below runs with TensorFlow's v2 behaviour on. -------------


def _replay(tf: Any, run: Run, logdir: str | None) -> Run:
    """The article's loop in TF2: a step function, then A and the loss read on the same batch."""
    config = run.config
    recipe = get_recipe(run.trainer)
    x32 = run.x.astype(np.float32)
    y32 = targets(config).astype(np.float32)
    learning_rate = tf.constant(config.learning_rate, dtype=tf.float32)

    a = tf.Variable(np.full(recipe.param_shape, run.a0, dtype=np.float32), name="A")
    # The placeholders' shapes become the tf.function's signature: one trace for every batch.
    feed = tf.TensorSpec([None if d == -1 else d for d in recipe.feed_shape], tf.float32)

    def step_fn(x: Any, y: Any) -> None:
        with tf.GradientTape() as tape:
            loss = recipe.eager_loss(tf, a, x, y)
        a.assign_sub(learning_rate * tape.gradient(loss, a))

    def loss_fn(x: Any, y: Any) -> Any:
        return recipe.eager_loss(tf, a, x, y)

    train_step = tf.function(step_fn, input_signature=[feed, feed])
    current_loss = tf.function(loss_fn, input_signature=[feed, feed])

    writer = tf.summary.create_file_writer(logdir) if logdir else tf.summary.create_noop_writer()
    params = np.empty(config.steps, dtype=np.float32)
    losses = np.empty(config.steps, dtype=np.float32)
    with writer.as_default():
        # The traced train step, for TensorBoard's Graphs tab next to the TF1 graph.
        tf.summary.graph(train_step.get_concrete_function().graph)
        for step, rows in enumerate(run.indices, start=1):
            x = x32[rows].reshape(recipe.feed_shape)
            y = y32[rows].reshape(recipe.feed_shape)
            train_step(x, y)
            params[step - 1] = a.numpy().reshape(-1)[0]
            losses[step - 1] = current_loss(x, y).numpy().reshape(-1)[0]
            tf.summary.scalar("A", params[step - 1], step=step)
            tf.summary.scalar("loss", losses[step - 1], step=step)
            if not np.isfinite(losses[step - 1]):
                raise DivergenceError(run.trainer, "eager", step, float(losses[step - 1]))
    writer.close()
    return Run(
        trainer=run.trainer,
        backend="eager",
        config=config,
        seed=run.seed,
        versions={"numpy": np.__version__, "tensorflow": tf.__version__},
        x=run.x,
        indices=run.indices,
        a0=run.a0,
        a=params,
        loss=losses,
    )


def _import_tensorflow(verbose: bool) -> Any:
    import tensorflow as tf

    if not verbose:
        tf.get_logger().setLevel("ERROR")
    if not tf.executing_eagerly():
        raise EagerBackendError("TensorFlow's v2 behaviour is off in the eager backend process")
    return tf


def main() -> int:
    """Child entry point: a request on stdin, ``{"runs": [...]}`` or ``{"diverged": ...}`` out."""
    # Anything TensorFlow prints to stdout must not corrupt the reply: keep the real stdout for
    # the reply alone, and point file descriptor 1 at stderr.
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    request = json.load(sys.stdin)
    tf = _import_tensorflow(bool(request["verbose"]))
    runs = [Run.from_dict(data) for data in request["runs"]]
    try:
        replayed = [
            _replay(tf, run, logdir) for run, logdir in zip(runs, request["logdirs"], strict=True)
        ]
    except DivergenceError as error:
        where = {"trainer": error.trainer, "step": error.step, "loss": error.loss}
        json.dump({"diverged": where}, reply)
        reply.close()
        return _EXIT_DIVERGED
    json.dump({"runs": [run.to_dict() for run in replayed]}, reply)
    reply.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
