"""The NumPy float32 reference trainer: replays a Run's inputs through the recipe's NumPy twin."""

from __future__ import annotations

import numpy as np

from tf1repro.data import targets
from tf1repro.errors import DivergenceError
from tf1repro.recipes import get_recipe
from tf1repro.record import Run


def replay(run: Run) -> Run:
    """Retrain ``run``'s trainer in NumPy on the same ``x``, indices and initial ``A``.

    Every operation is float32, in the order TensorFlow's graph computes it, so a faithful graph
    and this replay agree to the last bit (or within the documented kernel summation order).
    """
    config = run.config
    recipe = get_recipe(run.trainer)
    x32 = run.x.astype(np.float32)
    y32 = targets(config).astype(np.float32)
    lr = np.float32(config.learning_rate)

    a = np.array([run.a0], dtype=np.float32)  # a column of one run
    params = np.empty(config.steps, dtype=np.float32)
    losses = np.empty(config.steps, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        for step, rows in enumerate(run.indices, start=1):
            x, y = x32[rows][np.newaxis], y32[rows][np.newaxis]
            a = recipe.reference_step(a, x, y, lr)
            params[step - 1] = a[0]
            losses[step - 1] = recipe.reference_loss(a, x, y)[0]
            if not np.isfinite(losses[step - 1]):
                raise DivergenceError(run.trainer, "reference", step, float(losses[step - 1]))
    return Run(
        trainer=run.trainer,
        backend="reference",
        config=config,
        seed=run.seed,
        versions={"numpy": np.__version__},
        x=run.x,
        indices=run.indices,
        a0=run.a0,
        a=params,
        loss=losses,
    )
