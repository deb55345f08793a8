"""Tutorial configs: frozen dataclasses whose fields carry their own constraints and help.

Every tutorial has one config class with the original's values as defaults. Each field is
declared with ``param``, which states what the field allows; the values are checked once, when
the config is made, and the error names the field:

    The 'batch_size' parameter must be an int in the range [1, 1000000]. Got 0 instead.

The command line builds its options from the same fields (``--batch-size``), so a tutorial in a
user's own file gets checked options for free.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tf1repro.errors import ParameterError

#: NumPy's legacy ``RandomState`` accepts seeds in [0, 2**32 - 1]; the TF graph seed takes any int.
MAX_SEED = 2**32 - 1
#: The most optimizer steps one run may take: a record holds every step, so memory grows with it.
MAX_STEPS = 1_000_000


@dataclass(frozen=True)
class Int:
    """An int in ``[low, high]`` (``high=None``: no upper bound)."""

    low: int
    high: int | None = None

    def describe(self) -> str:
        upper = "inf)" if self.high is None else f"{self.high}]"
        return f"an int in the range [{self.low}, {upper}"

    def check(self, name: str, value: object) -> int:
        if not is_int(value) or value < self.low or (self.high is not None and value > self.high):  # type: ignore[operator]
            raise ParameterError(name, value, self.describe())
        return int(value)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class Float:
    """A finite float, optionally ``> 0``; it must stay non-zero and finite in float32."""

    positive: bool = False

    def describe(self) -> str:
        return "a finite float > 0 (and > 0 in float32)" if self.positive else "a finite float"

    def check(self, name: str, value: object) -> float:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)  # type: ignore[arg-type]
        if ok and self.positive:
            # A learning rate of 1e-50 is 0 in float32 and would silently train nothing; one
            # above float32's range would overflow: both are refused here, once.
            import numpy as np

            with np.errstate(over="ignore"):
                as32 = np.float32(value)  # type: ignore[arg-type]
            ok = bool(value > 0 and 0 < as32 < np.inf)  # type: ignore[operator]
        if not ok:
            raise ParameterError(name, value, self.describe())
        return float(value)  # type: ignore[arg-type]


Constraint = Int | Float


def param(default: Any, constraint: Constraint, help: str) -> Any:
    """A config field: its default (the original's value), what it allows, and its help text."""
    return dataclasses.field(default=default, metadata={"constraint": constraint, "help": help})


@dataclass(frozen=True)
class Config:
    """Base of every tutorial config. ``steps`` is the one field the engine itself reads.

    Subclasses add their fields with ``param``; ``__post_init__`` checks them all.
    """

    steps: int = param(100, Int(1, MAX_STEPS), "optimizer steps (the original's range(N))")

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            constraint = field.metadata.get("constraint")
            if constraint is not None:
                value = constraint.check(field.name, getattr(self, field.name))
                # Store plain ints and floats: equality, hashing and JSON must not depend on how
                # a value was passed (numpy scalar, int for a float field...).
                object.__setattr__(self, field.name, value)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self: ConfigT, **changes: Any) -> ConfigT:
        return dataclasses.replace(self, **changes)


ConfigT = TypeVar("ConfigT", bound=Config)


def config_from_dict(cls: type[ConfigT], data: Mapping[str, Any]) -> ConfigT:
    """``cls(**data)``, refusing fields the class does not have (a ``ParameterError``)."""
    known = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ParameterError(unknown[0], data[unknown[0]], f"one of the fields {sorted(known)}")
    return cls(**data)


def validate_seed(seed: object) -> int:
    """Return ``seed`` if it can drive both NumPy's RandomState and the TF graph seed."""
    return Int(0, MAX_SEED).check("seed", seed)


def is_int(value: object) -> bool:
    # bool is an int subclass, but `steps=True` is a mistake, not a request for one step.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
