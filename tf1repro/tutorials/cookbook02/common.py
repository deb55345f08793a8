"""What the chapter 2 recipes share: a logged config, the printed values, splits and figures.

Nothing here imports TensorFlow or Matplotlib at module level: the registry imports every
built-in tutorial module to list them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.config import MAX_STEPS, Config, Float, Int, param
from tf1repro.errors import ParameterError
from tf1repro.record import Record

Array = npt.NDArray[Any]


@dataclass(frozen=True)
class LoggedConfig(Config):
    """A recipe's steps, its optimizer's rate and how often it prints (each recipe sets its
    own defaults)."""

    learning_rate: float = param(0.02, Float(positive=True), "GradientDescentOptimizer's rate")
    log_every: int = param(
        25, Int(1, MAX_STEPS), "print the variables (and loss) every N steps (at most --steps)"
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.log_every > self.steps:
            raise ParameterError(
                "log_every",
                self.log_every,
                f"an int in the range [1, {self.steps}] (at most 'steps')",
            )


def logged_steps(record: Record) -> range:
    """The 1-based steps at which the original prints: ``if (i+1) % log_every == 0``."""
    every = int(record.config["log_every"])
    return range(every, record.steps + 1, every)


def printed(value: Array) -> str:
    """``str()`` of what ``sess.run`` returns for this value: a NumPy scalar for a 0-d tensor,
    else the array in the tensor's own shape."""
    array = np.asarray(value)
    return str(array[()] if array.ndim == 0 else array)


def split_80_20(rng: np.random.RandomState, size: int) -> tuple[Array, Array]:
    """The recipes' train/test split: 80% of the indices drawn without replacement, and the
    rest in the order a Python ``set`` difference iterates them.

    That order is the set's hash-table order, not a promise of the language: for 20 ints below
    100, CPython's table has 128 slots and yields them sorted, but other sizes wrap around.
    Reductions over the test set (its MSE) sum in that order, and another order can change
    their last bits, so the set's own order is kept.
    """
    train = rng.choice(size, round(size * 0.8), replace=False)
    test = np.array(list(set(range(size)) - set(train.tolist())))
    return train, test


def png(draw: Callable[[Any, Any], None], size: tuple[float, float] = (7.0, 4.8)) -> bytes:
    """A figure drawn by ``draw(figure, axes)`` as PNG bytes (headless: the Agg canvas)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=100)
    axes = figure.add_subplot()
    draw(figure, axes)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
