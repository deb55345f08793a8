"""R runs in NumPy float32: the recipe's own NumPy twin, fed a column of runs at each step.

The recipes write their reference step for many runs at once (``Recipe.reference_step``), and
``tf1repro.kernels`` sums along the last axis in TensorFlow's order for every run together, so
run r here is bit-identical to ``tf1repro.reference.replay`` of that run (tested).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tf1repro.config import TrainConfig
from tf1repro.recipes import get_recipe
from tf1repro.vectorised.inputs import ChunkInputs


def train_chunk(
    trainer: str, config: TrainConfig, inputs: ChunkInputs, a0: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Train every run of ``inputs``; returns ``a`` and ``loss``, ``[runs, steps]``."""
    recipe = get_recipe(trainer)
    lr = np.float32(config.learning_rate)
    a = np.asarray(a0, dtype=np.float32).copy()
    params = np.empty((len(a), config.steps), dtype=np.float32)
    losses = np.empty_like(params)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(config.steps):
            x, y = inputs.batch(step)
            a = recipe.reference_step(a, x, y, lr)
            params[:, step] = a
            losses[:, step] = recipe.reference_loss(a, x, y)
    return params, losses
