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
    """An int in ``[low, high]`` (``high=None``: no upper bound). ``bool`` is not an int here."""

    low: int
    high: int | None = None

    def describe(self) -> str:
        upper = "inf)" if self.high is None else f"{self.high}]"
        return f"an int in the range [{self.low}, {upper}"

    def allows(self, value: object) -> bool:
        return (
            is_int(value)
            and value >= self.low  # type: ignore[operator]
            and (self.high is None or value <= self.high)  # type: ignore[operator]
        )

    def check(self, name: str, value: object) -> int:
        if not self.allows(value):
            raise ParameterError(name, value, self.describe())
        return int(value)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class Float:
    """A finite real number (an int is accepted and widened); ``bool`` is not a number here.

    ``positive``: ``> 0``, and still non-zero and finite in float32 (a learning rate of 1e-50 is
    0 in float32 and would silently train nothing). ``low`` and ``high``: inclusive bounds.
    """

    positive: bool = False
    low: float | None = None
    high: float | None = None

    def describe(self) -> str:
        if self.positive:
            bound = f" <= {self.high}" if self.high is not None else ""
            return f"a finite float > 0 (and > 0 in float32){bound}"
        if self.low is not None and self.high is not None:
            return f"a finite float in the range [{self.low}, {self.high}]"
        if self.low is not None:
            return f"a finite float >= {self.low}"
        if self.high is not None:
            return f"a finite float <= {self.high}"
        return "a finite float"

    def allows(self, value: object) -> bool:
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            return False
        try:
            number = float(value)
        except OverflowError:  # an int beyond float's range, e.g. 10**400
            return False
        if not math.isfinite(number):
            return False
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            return False
        if self.positive:
            import numpy as np

            with np.errstate(over="ignore"):
                as32 = np.float32(number)
            return bool(number > 0 and 0 < as32 < np.inf)
        return True

    def check(self, name: str, value: object) -> float:
        if not self.allows(value):
            raise ParameterError(name, value, self.describe())
        return float(value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of strings."""

    options: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(option) for option in self.options)

    def allows(self, value: object) -> bool:
        return isinstance(value, str) and value in self.options

    def check(self, name: str, value: object) -> str:
        if not self.allows(value):
            raise ParameterError(name, value, self.describe())
        return value  # type: ignore[return-value]


@dataclass(frozen=True)
class Bool:
    """``True`` or ``False`` (not 0, 1 or a string)."""

    def describe(self) -> str:
        return "true or false"

    def allows(self, value: object) -> bool:
        return isinstance(value, bool)

    def check(self, name: str, value: object) -> bool:
        if not self.allows(value):
            raise ParameterError(name, value, self.describe())
        return value  # type: ignore[return-value]


Constraint = Int | Float | Choice | Bool
"""What a value may be: the one way tf1repro states a constraint, for config fields, command-line
options, file fields and records alike. Each has ``describe()`` (the words of the error),
``allows(value)`` and ``check(name, value)``, which returns the value as a plain Python scalar
or raises ``ParameterError`` naming ``name``."""


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
