"""R runs in NumPy float32: the recipe's own NumPy twin, fed a column of runs at each step.

The article's float32 step is written for many runs at once (``tf1repro.tutorials.article``),
and its kernel mirrors sum along the last axis in TensorFlow's order for every run together, so
run r here is bit-identical to the NumPy backend's replay of that run (tested).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tf1repro.tutorials.article import (
    TrainConfig,
    batch_gradient,
    batch_loss,
    descend,
    stochastic_gradient,
    stochastic_loss,
)
from tf1repro.tutorials.article.vectorised.inputs import ChunkInputs


def train_chunk(
    trainer: str, config: TrainConfig, inputs: ChunkInputs, a0: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Train every run of ``inputs``; returns ``a`` and ``loss``, ``[runs, steps]``."""
    gradient, loss = (
        (batch_gradient, batch_loss)
        if trainer == "batch"
        else (stochastic_gradient, stochastic_loss)
    )
    lr = np.float32(config.learning_rate)
    a = np.asarray(a0, dtype=np.float32).copy()
    params = np.empty((len(a), config.steps), dtype=np.float32)
    losses = np.empty_like(params)
    xs, ys = inputs.batches()
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(config.steps):
            x, y = xs[step], ys[step]
            a = descend(a, gradient(a, x, y), lr)
            params[:, step] = a
            losses[:, step] = loss(a, x, y)
    return params, losses
