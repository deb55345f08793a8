"""What chapter 2's recipes 02/05 and 02/08 share: 100 points, and the classification's two
classes of them."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

POINTS = 100
"""Every part draws 100 points."""


def two_classes(
    rng: np.random.RandomState, second_mean: float
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The classifications' data: 50 points ``N(-1, 1)`` labelled 0, then 50 points
    ``N(second_mean, 1)`` labelled 1, as ``x_vals`` and ``y_vals``."""
    half = POINTS // 2
    x_vals = np.concatenate((rng.normal(-1, 1, half), rng.normal(second_mean, 1, half)))
    y_vals = np.concatenate((np.repeat(0.0, half), np.repeat(1.0, half)))
    return x_vals, y_vals
