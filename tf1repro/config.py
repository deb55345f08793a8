"""The run parameters, frozen and validated once, with the article's values as defaults."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

from tf1repro.errors import ParameterError

#: NumPy's legacy ``RandomState`` accepts seeds in [0, 2**32 - 1]; the TF graph seed takes any int.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run except its seed.

    Defaults are the article's: 100 steps of ``GradientDescentOptimizer(0.02)``, batches of 20,
    ``A`` and the loss logged every 5 steps, 100 points ``x ~ N(1, 0.1)`` with target 10.
    """

    steps: int = 100
    """Number of optimizer steps (the article's ``range(100)``)."""
    learning_rate: float = 0.02
    """``GradientDescentOptimizer``'s learning rate."""
    batch_size: int = 20
    """Rows per step for the batch trainer; the stochastic trainer always takes one."""
    log_every: int = 5
    """Record a log line every this many steps (the article's ``(i+1) % 5 == 0``)."""
    data_size: int = 100
    """Number of data points ``x`` drawn once; each step samples from them with replacement."""
    x_mean: float = 1.0
    """Mean of the normal distribution of ``x``."""
    x_std: float = 0.1
    """Standard deviation of ``x``."""
    target: float = 10.0
    """The value every ``y`` takes: ``A`` is trained so that ``x * A`` approaches it."""

    def __post_init__(self) -> None:
        _check_int(self, "steps", low=1)
        _check_float(self, "learning_rate", positive=True)
        _check_int(self, "batch_size", low=1)
        _check_int(self, "log_every", low=1, high=self.steps if _is_int(self.steps) else None)
        _check_int(self, "data_size", low=1)
        _check_float(self, "x_mean")
        _check_float(self, "x_std", positive=True)
        _check_float(self, "target")

    @property
    def logged_steps(self) -> tuple[int, ...]:
        """The 1-based steps at which the article prints ``A`` and the loss."""
        return tuple(range(self.log_every, self.steps + 1, self.log_every))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields: {', '.join(unknown)}")
        return cls(**data)


def validate_seed(seed: object) -> int:
    """Return ``seed`` if it can drive both NumPy's RandomState and the TF graph seed."""
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:  # type: ignore[operator]
        raise ParameterError("seed", seed, f"an int in the range [0, {MAX_SEED}]")
    return int(seed)  # type: ignore[call-overload, no-any-return]


def _is_int(value: object) -> bool:
    # bool is an int subclass, but `steps=True` is a mistake, not a request for one step.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(config: TrainConfig, name: str, low: int, high: int | None = None) -> None:
    value = getattr(config, name)
    upper = "inf)" if high is None else f"{high}]"
    if not _is_int(value) or value < low or (high is not None and value > high):
        allowed = f"an int in the range [{low}, {upper}"
        if name == "log_every" and high is not None:
            allowed += " (at most 'steps')"
        raise ParameterError(name, value, allowed)
    object.__setattr__(config, name, int(value))


def _check_float(config: TrainConfig, name: str, positive: bool = False) -> None:
    value = getattr(config, name)
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and positive:
        ok = value > 0
    if not ok:
        allowed = "a finite float > 0" if positive else "a finite float"
        raise ParameterError(name, value, allowed)
    # Store a plain float so that equality, hashing and JSON do not depend on how it was passed.
    object.__setattr__(config, name, float(value))
