"""Step-by-step distance between two Runs of the same inputs, in float32 ulps at the problem scale.

Raw ulp distances explode where ``A`` crosses zero in the first steps, although nothing is wrong
there. So distances are measured in units of ``np.spacing(float32(target))`` (the spacing of
float32 numbers near 10 for the article, about 9.5e-7): one unit is one last-bit difference in
``A`` near its optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tf1repro.config import TrainConfig
from tf1repro.record import Run


def scale_ulp(config: TrainConfig) -> float:
    """The unit of every distance tf1repro reports: one float32 ulp at the target's magnitude."""
    return float(np.spacing(np.float32(abs(config.target) or 1.0)))


@dataclass(frozen=True)
class Deviation:
    """The worst distance between two trajectories of one quantity."""

    quantity: str
    """``"A"`` or ``"loss"``."""
    ulps: float
    """max over steps of |first - second|, in scale-ulps (0 means bit-identical)."""
    step: int | None
    """1-based step where the maximum occurs; None when the trajectories are identical."""
    first: float
    second: float


@dataclass(frozen=True)
class Comparison:
    """How far two backends' Runs of one trainer are apart."""

    trainer: str
    backends: tuple[str, str]
    a: Deviation
    loss: Deviation

    @property
    def worst(self) -> float:
        return max(self.a.ulps, self.loss.ulps)

    def within(self, tolerance_ulps: float) -> bool:
        return self.worst <= tolerance_ulps

    def summary(self) -> str:
        def part(d: Deviation) -> str:
            where = "identical" if d.step is None else f"at step {d.step}"
            return f"|Δ{d.quantity}| ≤ {d.ulps:g} ulp ({where})"

        pair = "-".join(self.backends)
        return f"{self.trainer} {pair}: {part(self.a)}, {part(self.loss)}"


def compare_runs(first: Run, second: Run) -> Comparison:
    """Compare two Runs that consumed the same inputs (same trainer, x, indices and A0)."""
    if first.trainer != second.trainer or first.config != second.config:
        raise ValueError("runs of different trainers or configs cannot be compared step by step")
    if not (
        np.array_equal(first.x, second.x)
        and np.array_equal(first.indices, second.indices)
        and first.a0 == second.a0
    ):
        raise ValueError("runs did not consume the same inputs (x, indices, A0); replay one first")
    unit = scale_ulp(first.config)
    return Comparison(
        trainer=first.trainer,
        backends=(first.backend, second.backend),
        a=_deviation("A", first.a, second.a, unit),
        loss=_deviation("loss", first.loss, second.loss, unit),
    )


def _deviation(
    quantity: str, first: npt.NDArray[np.float32], second: npt.NDArray[np.float32], unit: float
) -> Deviation:
    gaps = np.abs(first.astype(np.float64) - second.astype(np.float64)) / unit
    worst = int(np.argmax(gaps))
    if gaps[worst] == 0:
        return Deviation(quantity, 0.0, None, float(first[worst]), float(second[worst]))
    return Deviation(
        quantity, float(gaps[worst]), worst + 1, float(first[worst]), float(second[worst])
    )
