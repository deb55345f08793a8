"""The statistics a study reports, each a small function of an array of runs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: The band the study reports around the median: 5th to 95th percentile.
LOW, HIGH = 5.0, 95.0
#: "Converged" means |A - A*| stays within this fraction of A* until the last step.
TOLERANCE = 0.01


@dataclass(frozen=True)
class Spread:
    """Median and 5-95% band of one quantity over runs (``inf`` = beyond the horizon)."""

    low: float
    median: float
    high: float

    @classmethod
    def of(cls, values: npt.ArrayLike) -> Spread:
        low, median, high = percentiles(values, axis=None)
        return cls(float(low), float(median), float(high))

    def to_dict(self) -> dict[str, float | None]:
        return {"p5": _finite(self.low), "median": _finite(self.median), "p95": _finite(self.high)}


def percentiles(values: npt.ArrayLike, axis: int | None = 0) -> npt.NDArray[np.float64]:
    """5th, 50th and 95th percentiles along ``axis`` (NumPy's default linear interpolation).

    ``inf`` values sort last, so a median of runs where most never converged is ``inf``.
    """
    data = np.asarray(values, dtype=np.float64)
    # np.percentile interpolates inf - inf = nan; "lower"/"higher" neighbours cannot, so where a
    # neighbour is inf the answer is inf.
    with np.errstate(invalid="ignore"):
        linear = np.percentile(data, [LOW, 50.0, HIGH], axis=axis)
    upper = np.percentile(data, [LOW, 50.0, HIGH], axis=axis, method="higher")
    result: npt.NDArray[np.float64] = np.where(np.isinf(upper) & np.isnan(linear), np.inf, linear)
    return result


def percentile_of(value: float, sample: npt.ArrayLike) -> float:
    """Where ``value`` falls in ``sample``, in percent: the share below it, ties counted half.

    0 means below every sampled value, 100 above every one, 50 the middle.
    """
    data = np.asarray(sample, dtype=np.float64)
    below = np.count_nonzero(data < value)
    ties = np.count_nonzero(data == value)
    return float(100.0 * (below + 0.5 * ties) / data.size)


def settle_steps(
    a: npt.NDArray[np.float32], optimum: npt.NDArray[np.float64], tolerance: float = TOLERANCE
) -> npt.NDArray[np.float64]:
    """Per run, the first step from which ``|A - A*| <= tolerance * |A*|`` holds to the end.

    ``a`` is ``[runs, steps]``. Runs still outside at the last step get ``inf`` (not converged
    within the horizon); a run inside from step 1 gets 1.
    """
    inside = np.abs(a - optimum[:, np.newaxis]) <= tolerance * np.abs(optimum[:, np.newaxis])
    steps = a.shape[1]
    # Index of the last step outside the band, counted from the end.
    outside_from_end = np.argmax(~inside[:, ::-1], axis=1)
    last_outside = steps - 1 - outside_from_end
    settled = np.where(inside.all(axis=1), 1.0, last_outside + 2.0)
    return np.where(~inside[:, -1], np.inf, settled)


def total_variation(curve: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Roughness of each run's curve (``[runs, points]``): the sum of |successive changes|."""
    steps = np.diff(np.asarray(curve, dtype=np.float64), axis=1)
    result: npt.NDArray[np.float64] = np.abs(steps).sum(axis=1)
    return result


def _finite(value: float) -> float | None:
    # JSON has no infinity; null means "beyond the horizon".
    return None if np.isinf(value) else value
