"""Every run's data and indices, drawn exactly as the tutorials draw them.

``draw_inputs`` makes one ``choice`` call per step, about 2 ms a run: more than training itself
when runs are vectorised. NumPy's legacy ``choice(n, size)`` with replacement and no weights is
``randint(0, n, size)``, and 32-bit bounded draws from MT19937 keep no state between calls, so
one ``randint`` for all steps consumes the stream exactly as the per-step calls do. That shortcut
is checked against ``draw_inputs`` on every chunk's first seed; if a recipe samples differently,
the chunk refuses to train rather than differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tf1repro.backends import draw_inputs
from tf1repro.tutorial import load_tutorial
from tf1repro.tutorials.article import TrainConfig, part_config, targets


@dataclass(frozen=True)
class ChunkInputs:
    """Inputs of a chunk of runs, in float32 as they are fed."""

    x: npt.NDArray[np.float64]
    """``[runs, data_size]`` as drawn."""
    indices: npt.NDArray[np.int64]
    """``[runs, steps, rows]``: run r's rows for step i + 1."""
    y32: npt.NDArray[np.float32]
    """The targets (the same for every run)."""

    @property
    def x32(self) -> npt.NDArray[np.float32]:
        return self.x.astype(np.float32)

    def batches(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Every step's rows of every run, gathered at once: x and y, ``[steps, runs, rows]``.

        Step-major, so that each step's ``[runs, rows]`` block is contiguous.
        """
        by_step = self.indices.transpose(1, 0, 2)
        runs = np.arange(len(self.x))[:, np.newaxis]
        x = self.x32[runs, by_step]
        if (self.y32 == self.y32[0]).all():
            # One target for every row (the article's y = 10): a broadcast view, not a gather.
            return x, np.broadcast_to(self.y32[0], x.shape)
        return x, self.y32[by_step]


def draw_chunk(config: TrainConfig, trainer: str, seeds: npt.NDArray[np.int64]) -> ChunkInputs:
    """Draw the inputs of every seed in ``seeds`` (one run each)."""
    rows = 1 if trainer == "stochastic" else config.batch_size
    x = np.empty((len(seeds), config.data_size), dtype=np.float64)
    indices = np.empty((len(seeds), config.steps, rows), dtype=np.int64)
    stream = np.random.RandomState()
    _check_shortcut(stream, config, trainer, int(seeds[0]), rows)
    for r, seed in enumerate(seeds):
        x[r], indices[r] = _fast_draw(stream, config, int(seed), rows)
    return ChunkInputs(x=x, indices=indices, y32=targets(config).astype(np.float32))


def _check_shortcut(
    stream: np.random.RandomState, config: TrainConfig, trainer: str, seed: int, rows: int
) -> None:
    """The one-``randint`` shortcut must feed what the tutorial's own per-step draws feed."""
    inputs = draw_inputs(load_tutorial(trainer), part_config(trainer, config), seed)
    fast_x, fast_indices = _fast_draw(stream, config, seed, rows)
    fed = np.array([np.reshape(step["x"], -1) for step in inputs.feeds])
    if not (
        np.array_equal(fast_x, inputs.data["x_vals"]) and np.array_equal(fast_x[fast_indices], fed)
    ):
        raise RuntimeError(
            "NumPy's choice() no longer consumes the stream as randint() does: the vectorised "
            "draw would not match the single runs"
        )


def _fast_draw(
    stream: np.random.RandomState, config: TrainConfig, seed: int, rows: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    # Reseeding one RandomState is 5x cheaper than creating one and leaves it in the same state.
    stream.seed(seed)
    x = stream.normal(config.x_mean, config.x_std, config.data_size)
    indices = stream.randint(0, config.data_size, size=(config.steps, rows))
    return x, indices
