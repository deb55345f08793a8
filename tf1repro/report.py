"""The article's printed log, produced from a Run."""

from __future__ import annotations

import numpy as np

from tf1repro.recipes import get_recipe
from tf1repro.record import Run


def article_log(run: Run) -> list[str]:
    """The lines the article prints for this run: ``Step #5 A = [...]`` then ``Loss = ...``.

    Values are printed with ``str()`` of a float32 array in the graph's own shape, exactly as
    the article's ``str(sess.run(A))`` and ``str(temp_loss)`` do.
    """
    recipe = get_recipe(run.trainer)
    lines = []
    for step in run.logged_steps:
        a = np.asarray(run.a[step - 1], dtype=np.float32).reshape(recipe.param_shape)
        loss = np.asarray(run.loss[step - 1], dtype=np.float32).reshape(recipe.loss_shape)
        # str() of a 0-d array prints like the np.float32 scalar that sess.run returns.
        lines.append(f"Step #{step} A = {a!s}")
        lines.append(f"Loss = {loss[()] if loss.ndim == 0 else loss!s}")
    return lines
