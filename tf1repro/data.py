"""The article's data set and its index sampler, driven by one seed.

The article calls ``np.random`` directly: ``normal(1, 0.1, 100)`` for the data, then one
``choice`` per step. We make the same calls, in the same order, on a legacy ``RandomState``
seeded with the run's seed, so a TF1 script that starts with ``np.random.seed(seed)`` draws the
same numbers. Each trainer starts from a fresh stream: with the same seed the stochastic and the
batch trainer see the same data set, and a run can be reproduced on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tf1repro.config import TrainConfig, validate_seed


@dataclass(frozen=True)
class Inputs:
    """All the randomness a run consumes on the NumPy side."""

    x: npt.NDArray[np.float64]
    """The data set as drawn (float64, as ``np.random.normal`` returns it); fed as float32."""
    indices: npt.NDArray[np.int64]
    """Row ``i`` holds the data indices sampled for step ``i + 1``."""


#: Draws one step's data indices from the stream, as the tutorial's ``np.random.choice`` call does.
StepSampler = Callable[[np.random.RandomState, TrainConfig], "npt.ArrayLike"]


def draw_inputs(config: TrainConfig, sample_step: StepSampler, seed: int) -> Inputs:
    """Draw the data set, then every step's indices, in the order the article's script does."""
    rng = np.random.RandomState(validate_seed(seed))
    x = rng.normal(config.x_mean, config.x_std, config.data_size)
    picks = [np.atleast_1d(sample_step(rng, config)) for _ in range(config.steps)]
    return Inputs(x=x, indices=np.asarray(picks, dtype=np.int64))


def targets(config: TrainConfig) -> npt.NDArray[np.float64]:
    """The article's ``y_vals = np.repeat(10., 100)``."""
    return np.repeat(config.target, config.data_size)
