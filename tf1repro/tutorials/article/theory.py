"""Closed-form mean and variance of ``A_t`` for the article's SGD, given the data set.

One step on a batch of k rows sampled uniformly with replacement from the data set ``(x, y)``:

    A_{t+1} = A_t - lr * (2/k) * sum_j x_j (x_j A_t - y_j) = U_t A_t + V_t,
    U_t = 1 - 2 lr Sxx_t,   V_t = 2 lr Sxy_t,
    Sxx_t = (1/k) sum_j x_j^2,   Sxy_t = (1/k) sum_j x_j y_j.

``(U_t, V_t)`` are independent across steps and of ``A_t``, so the first two moments of ``A``
follow exact linear recursions in the data set's moments (``docs/theory.md`` derives them):

    E[A_{t+1}]   = E[U] E[A_t] + E[V]
    E[A_{t+1}^2] = E[U^2] E[A_t^2] + 2 E[UV] E[A_t] + E[V^2]

Everything is computed in float64 for any batch size, and broadcasts over data sets (one per
run of a study: pass ``x`` of shape ``[runs, data_size]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Moments:
    """Means over the data set (one value per data set along the leading axes)."""

    xx: Floats
    xxxx: Floats
    xy: Floats
    xxxy: Floats
    xxyy: Floats

    @classmethod
    def of(cls, x: npt.ArrayLike, y: npt.ArrayLike) -> Moments:
        """The moments of the data ``x`` (``[..., n]``) with targets ``y`` (broadcastable)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.broadcast_to(np.asarray(y, dtype=np.float64), x.shape)
        xx = x * x
        return cls(
            xx=xx.mean(-1),
            xxxx=(xx * xx).mean(-1),
            xy=(x * y).mean(-1),
            xxxy=(xx * x * y).mean(-1),
            xxyy=(xx * y * y).mean(-1),
        )

    @property
    def optimum(self) -> Floats:
        """The least-squares ``A* = sum(x y) / sum(x^2)``, where the mean trajectory ends."""
        return self.xy / self.xx


@dataclass(frozen=True)
class Trajectory:
    """``mean[..., i]`` and ``variance[..., i]`` of ``A`` after step ``i + 1``."""

    mean: Floats
    second: Floats
    """E[A_t^2]."""

    @property
    def variance(self) -> Floats:
        return np.maximum(self.second - self.mean**2, 0.0)

    def pooled(self) -> Trajectory:
        """Pool runs over different data sets (leading axis): a mixture of their distributions.

        The mean is the average of the means; the second moment the average second moment.
        """
        return Trajectory(mean=self.mean.mean(0), second=self.second.mean(0))


def trajectory(
    moments: Moments,
    learning_rate: float,
    batch_size: int,
    steps: int,
    a0_mean: float = 0.0,
    a0_variance: float = 1.0,
) -> Trajectory:
    """E[A_t] and E[A_t^2] for t = 1..steps, from ``A_0 ~ (a0_mean, a0_variance)`` (the
    article's ``random_normal``: 0 and 1), sampling ``batch_size`` rows with replacement."""
    lr, k = float(learning_rate), int(batch_size)
    m = moments
    var_xx = (m.xxxx - m.xx**2) / k
    var_xy = (m.xxyy - m.xy**2) / k
    cov = (m.xxxy - m.xx * m.xy) / k
    eu = 1.0 - 2.0 * lr * m.xx
    ev = 2.0 * lr * m.xy
    eu2 = eu**2 + 4.0 * lr**2 * var_xx
    ev2 = ev**2 + 4.0 * lr**2 * var_xy
    # Cov(U, V) = -4 lr^2 Cov(Sxx, Sxy).
    euv = eu * ev - 4.0 * lr**2 * cov

    mean = np.broadcast_to(np.float64(a0_mean), np.shape(eu)).astype(np.float64)
    second = mean**2 + a0_variance
    means, seconds = [], []
    for _ in range(steps):
        mean, second = eu * mean + ev, eu2 * second + 2.0 * euv * mean + ev2
        means.append(mean)
        seconds.append(second)
    return Trajectory(mean=np.stack(means, -1), second=np.stack(seconds, -1))


def stationary_variance(moments: Moments, learning_rate: float, batch_size: int) -> Floats:
    """The variance ``A_t`` settles to as t grows (when E[U^2] < 1): the noise floor of SGD."""
    lr, k, m = float(learning_rate), int(batch_size), moments
    eu = 1.0 - 2.0 * lr * m.xx
    ev = 2.0 * lr * m.xy
    eu2 = eu**2 + 4.0 * lr**2 * (m.xxxx - m.xx**2) / k
    ev2 = ev**2 + 4.0 * lr**2 * (m.xxyy - m.xy**2) / k
    euv = eu * ev - 4.0 * lr**2 * (m.xxxy - m.xx * m.xy) / k
    mean = ev / (1.0 - eu)
    second = (ev2 + 2.0 * euv * mean) / (1.0 - eu2)
    return np.asarray(second - mean**2, dtype=np.float64)
