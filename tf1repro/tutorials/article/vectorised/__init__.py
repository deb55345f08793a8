"""Many independent runs of one trainer at once: one ``A`` per run, all runs fed each step.

A study of thousands of seeds cannot afford the article's graph and session per run. Here run
``r`` is the run ``tf1repro.graph.train(trainer, config, seeds[r])`` would make: the same data
and indices (drawn exactly as ``draw_inputs`` draws them for that seed) and, by default, the
same initial ``A`` (TensorFlow's seeded ``random_normal`` for that graph seed, which
``tutorials.article.philox`` computes without TensorFlow). Only the summation order of a few
batched kernels may differ; ``docs/theory.md`` and the tests state by how much.

>>> from tf1repro.tutorials.article import TrainConfig
>>> from tf1repro.tutorials.article.vectorised import train_many
>>> runs = train_many("batch", TrainConfig(), seeds=range(1000), backend="numpy")
>>> runs.a.shape            # (runs, steps)
(1000, 100)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tf1repro.config import validate_seed
from tf1repro.errors import DivergenceError, ParameterError
from tf1repro.tutorials.article import TrainConfig
from tf1repro.tutorials.article.vectorised.inputs import ChunkInputs, draw_chunk

BACKENDS = ("graph", "numpy")
#: Where the initial ``A`` of each run comes from (see ``vectorised.initial``).
A0_SOURCES = ("mirror", "graph", "numpy")
#: Runs trained together; bounds memory (indices are runs x steps x batch) and sets how often
#: progress is reported.
CHUNK = 1000

Progress = Callable[[int], None]
"""Called with the number of runs just finished."""


@dataclass(frozen=True, eq=False)
class ManyRuns:
    """R runs of one trainer: ``a[r, i]`` and ``loss[r, i]`` belong to run r after step i + 1."""

    trainer: str
    backend: str
    config: TrainConfig
    seeds: npt.NDArray[np.int64]
    x: npt.NDArray[np.float64]
    """Each run's data set, ``[runs, data_size]``."""
    a0: npt.NDArray[np.float32]
    a: npt.NDArray[np.float32]
    loss: npt.NDArray[np.float32]
    seconds: float
    """Wall time spent drawing inputs and training (not the initial values)."""

    @property
    def runs(self) -> int:
        return len(self.seeds)

    @property
    def batch_size(self) -> int:
        """Samples per step: 1 for the stochastic trainer."""
        return 1 if self.trainer == "stochastic" else self.config.batch_size


def train_many(
    trainer: str,
    config: TrainConfig,
    seeds: Iterable[int],
    *,
    backend: str = "graph",
    a0: npt.ArrayLike | str = "mirror",
    progress: Progress | None = None,
) -> ManyRuns:
    """Train ``trainer`` once per seed, all runs together, on ``backend`` ("graph" or "numpy").

    ``a0`` is either an array of initial values (one per seed) or a source name: ``"mirror"``
    (what the single-run graph draws, computed without TensorFlow), ``"graph"`` (the same
    values drawn by TensorFlow itself) or ``"numpy"`` (a NumPy draw, same distribution,
    different values). Raises ``DivergenceError`` naming the first diverging run's seed.
    """
    if backend not in BACKENDS:
        raise ParameterError("backend", backend, f"one of {', '.join(BACKENDS)}")
    seed_array = np.array([validate_seed(s) for s in seeds], dtype=np.int64)
    if len(seed_array) == 0:
        raise ParameterError("runs", 0, "an int in the range [1, inf)")
    initial = _initial_values(trainer, config, seed_array, a0)
    step_chunk = _trainer(backend)

    a = np.empty((len(seed_array), config.steps), dtype=np.float32)
    loss = np.empty_like(a)
    x = np.empty((len(seed_array), config.data_size), dtype=np.float64)
    seconds = 0.0
    for start in range(0, len(seed_array), CHUNK):
        stop = min(start + CHUNK, len(seed_array))
        began = time.perf_counter()
        inputs = draw_chunk(config, trainer, seed_array[start:stop])
        a[start:stop], loss[start:stop] = step_chunk(trainer, config, inputs, initial[start:stop])
        seconds += time.perf_counter() - began
        x[start:stop] = inputs.x
        _check_finite(trainer, backend, seed_array[start:stop], loss[start:stop])
        if progress is not None:
            progress(stop - start)
    return ManyRuns(trainer, backend, config, seed_array, x, initial, a, loss, seconds)


def _initial_values(
    trainer: str, config: TrainConfig, seeds: npt.NDArray[np.int64], a0: npt.ArrayLike | str
) -> npt.NDArray[np.float32]:
    from tf1repro.tutorials.article.vectorised import initial

    if isinstance(a0, str):
        if a0 == "mirror":
            return initial.mirror_initial_values(trainer, seeds)
        if a0 == "graph":
            return initial.graph_initial_values(trainer, config, seeds)
        if a0 == "numpy":
            return initial.numpy_initial_values(seeds)
        raise ParameterError("a0", a0, f"an array or one of {', '.join(A0_SOURCES)}")
    values = np.asarray(a0, dtype=np.float32).reshape(-1)
    if values.shape != seeds.shape:
        raise ValueError(f"a0 holds {values.size} values for {seeds.size} seeds")
    return values


ChunkTrainer = Callable[
    [str, TrainConfig, ChunkInputs, npt.NDArray[np.float32]],
    tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]],
]


def _trainer(backend: str) -> ChunkTrainer:
    if backend == "graph":
        from tf1repro.tutorials.article.vectorised.graph import train_chunk
    else:
        from tf1repro.tutorials.article.vectorised.reference import train_chunk
    return train_chunk


def _check_finite(
    trainer: str, backend: str, seeds: npt.NDArray[np.int64], loss: npt.NDArray[np.float32]
) -> None:
    bad = ~np.isfinite(loss)
    if bad.any():
        run, step = np.argwhere(bad)[0]
        raise DivergenceError(
            f"{trainer} (seed {seeds[run]})",
            f"vectorised {backend}",
            int(step) + 1,
            float(loss[run, step]),
        )


__all__ = ["A0_SOURCES", "BACKENDS", "ManyRuns", "train_many"]
