"""Step-by-step distance between two records of the same inputs, per variable and fetch.

Each quantity is measured in float32 ulps *at its own scale*: one unit is the spacing of float32
numbers at the largest magnitude the quantity reaches in the first record (for the article's
``A``, which ends near 9.9, that is ``np.spacing(float32(8..16))``, about 9.5e-7; for a loss that
starts near 64, the spacing at 64). Raw ulp distances would explode where a value crosses zero
although nothing is wrong there, and one scale for every quantity would count a last-bit
difference in a loss of 64 as 8 units of ``A``.

A NaN or an infinity on either side, where the two do not hold the very same bits, is an
infinite distance: it never passes a tolerance.

What a tutorial evaluates after training (a test MSE, an accuracy, predictions) is compared too,
one quantity per evaluated output over all its evaluation feeds, named ``NAME (evaluation)`` and
placed after the last step: a port can train bit for bit and still evaluate differently.
An evaluation curve (``Record.curves``: an output evaluated after some steps on feeds of its
own, a test accuracy after every step) is one quantity per output and feed set, named
``NAME on feeds 1`` (``curve_quantity``), its steps the steps it was evaluated after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.errors import ParameterError
from tf1repro.record import STEP_FEEDS, Curve, Record

Array = npt.NDArray[Any]


def scale_ulp(values: Array) -> float:
    """The unit of a quantity's distances: one float32 ulp at its largest finite magnitude
    (at 1.0 when it is always zero)."""
    finite = np.abs(np.asarray(values, dtype=np.float64))
    finite = finite[np.isfinite(finite)]
    peak = float(finite.max()) if finite.size else 0.0
    return float(np.spacing(np.float32(peak or 1.0)))


@dataclass(frozen=True)
class Deviation:
    """How far two trajectories of one quantity are apart."""

    quantity: str
    ulps: float
    """max over steps and elements of |first - second| / unit; 0 means bit-identical, inf
    means a NaN or infinity that the other side does not have."""
    step: int | None
    """1-based step of the worst difference; None when the trajectories are identical."""
    first_step: int | None
    """The first step whose bits differ at all; None when identical."""
    first: float
    """The first record's value at the worst element and step."""
    second: float
    unit: float
    """One scale-ulp of this quantity, in absolute terms."""
    evaluated: bool = False
    """Whether it is an evaluation (after training, or a curve) rather than a trained
    variable or a step's fetch."""

    @property
    def identical(self) -> bool:
        return self.first_step is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "ulps": _json_float(self.ulps),
            "step": self.step,
            "first_differing_step": self.first_step,
            "first": _json_float(self.first),
            "second": _json_float(self.second),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Comparison:
    """Every variable and fetch of two records of one tutorial, step by step."""

    tutorial: str
    backends: tuple[str, str]
    deviations: tuple[Deviation, ...]

    @property
    def worst(self) -> float:
        return max((d.ulps for d in self.deviations), default=0.0)

    @property
    def first_step(self) -> int | None:
        """The first step where any quantity's bits differ."""
        steps = [d.first_step for d in self.deviations if d.first_step is not None]
        return min(steps) if steps else None

    def deviation(self, quantity: str) -> Deviation:
        for deviation in self.deviations:
            if deviation.quantity == quantity:
                return deviation
        raise KeyError(quantity)

    def within(self, tolerance_ulps: float) -> bool:
        return all(d.ulps <= tolerance_ulps for d in self.deviations)

    def first_beyond(self, tolerance_ulps: float, first: Record, second: Record) -> int | None:
        """The first step at which some quantity differs by more than the tolerance."""
        steps = []
        trained = first.quantities()
        for deviation in self.deviations:
            if deviation.ulps > tolerance_ulps and deviation.quantity in trained:
                gaps = _gaps(
                    first.quantities()[deviation.quantity],
                    second.quantities()[deviation.quantity],
                    deviation.unit,
                )
                steps.append(int(np.argmax(gaps > tolerance_ulps)) + 1)
        return min(steps) if steps else None

    def summary(self) -> str:
        def part(d: Deviation) -> str:
            where = "identical" if d.step is None else f"at step {d.step}"
            return f"|Δ{d.quantity}| ≤ {d.ulps:g} ulp ({where})"

        pair = "-".join(self.backends)
        return f"{self.tutorial} {pair}: " + ", ".join(part(d) for d in self.deviations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tutorial": self.tutorial,
            "backends": list(self.backends),
            "worst_ulps": _json_float(self.worst),
            "first_differing_step": self.first_step,
            "quantities": [d.to_dict() for d in self.deviations],
        }


def compare_records(first: Record, second: Record) -> Comparison:
    """Compare two records that consumed the same inputs (same feeds and initial values)."""
    for name, record in (("first", first), ("second", second)):
        if not isinstance(record, Record):
            raise ParameterError(
                name, record, "a tf1repro.Record (see tf1repro.record.load_record)"
            )
    problem = first.same_inputs(second)
    if problem is not None:
        raise ValueError(f"{problem}: replay one record on the other's inputs first")
    mine, theirs = first.quantities(), second.quantities()
    if set(mine) != set(theirs):
        raise ValueError(
            f"the records hold different quantities: {sorted(mine)} and {sorted(theirs)}"
        )
    deviations = tuple(_deviation(name, mine[name], theirs[name]) for name in mine)
    evaluated = _evaluations(first, second) + _curves(first, second)
    return Comparison(first.tutorial, (first.backend, second.backend), deviations + evaluated)


def curve_quantity(name: str, label: str) -> str:
    """How a comparison names the curve of ``name`` on the feed set ``label``: ``Mean_1 on
    feeds 2`` for a recording's numbered sets, ``... on the step's feeds``, ``... on test``."""
    if label == STEP_FEEDS:
        return f"{name} on the step's feeds"
    return f"{name} on feeds {label}" if label.isdigit() else f"{name} on {label}"


def curve_deviation(quantity: str, first: Curve, second: Curve) -> Deviation:
    """How far two curves evaluated after the same steps are apart; its steps are the steps
    they were evaluated after."""
    if not np.array_equal(first.steps, second.steps):
        raise ValueError(f"{quantity} is evaluated after other steps in the two records")
    if first.values.shape != second.values.shape or first.values.dtype != second.values.dtype:
        raise ValueError(f"{quantity} has other shapes or dtypes in the two records")
    found = _deviation(quantity, first.values, second.values)
    if found.step is None or found.first_step is None:
        return replace(found, evaluated=True)
    steps = first.steps
    return replace(
        found,
        step=int(steps[found.step - 1]),
        first_step=int(steps[found.first_step - 1]),
        evaluated=True,
    )


def _curves(first: Record, second: Record) -> tuple[Deviation, ...]:
    """One deviation per curve, output by output, in each output's order of feed sets."""

    def keys(record: Record) -> list[tuple[str, str]]:
        return [(name, label) for name, curves in record.curves.items() for label in curves]

    if sorted(keys(first)) != sorted(keys(second)):
        raise ValueError(f"the records evaluate different curves: {keys(first)} and {keys(second)}")
    return tuple(
        curve_deviation(
            curve_quantity(name, label), first.curves[name][label], second.curves[name][label]
        )
        for name, label in keys(first)
    )


#: How an evaluated output is named among a comparison's quantities.
EVALUATION_SUFFIX = " (evaluation)"


def _evaluations(first: Record, second: Record) -> tuple[Deviation, ...]:
    """One deviation per evaluated output, over every evaluation feed (labels in sorted order),
    at the step after which it was evaluated: the last."""
    mine, theirs = _evaluated(first), _evaluated(second)
    if set(mine) != set(theirs):
        raise ValueError(
            f"the records evaluate different outputs: {sorted(mine)} and {sorted(theirs)}"
        )
    found = []
    for name in mine:
        if mine[name].shape != theirs[name].shape:
            raise ValueError(f"the evaluated {name!r} has other shapes in the two records")
        deviation = _deviation(name + EVALUATION_SUFFIX, mine[name], theirs[name])
        deviation = replace(deviation, evaluated=True)
        if not deviation.identical:
            deviation = replace(deviation, step=first.steps, first_step=first.steps)
        found.append(deviation)
    return tuple(found)


def _evaluated(record: Record) -> dict[str, Array]:
    """Each evaluated output, its values on every evaluation feed stacked in label order."""
    values: dict[str, list[Array]] = {}
    for label in sorted(record.evaluations):
        for name, value in record.evaluations[label].items():
            values.setdefault(name, []).append(np.asarray(value))
    stacked = {}
    for name, arrays in values.items():
        if len({a.shape for a in arrays}) > 1 or len(arrays) != len(record.evaluations):
            raise ValueError(f"the evaluated {name!r} is not one shape on every evaluation feed")
        stacked[name] = np.stack(arrays)
    return stacked


def deviation(quantity: str, first: Array, second: Array, *, start: int = 1) -> Deviation:
    """How far two trajectories of one quantity (``[steps, ...]`` arrays of one shape and dtype)
    are apart; ``start`` is the number of their first row's step (0 when the trajectory begins
    with the initial value)."""
    found = _deviation(quantity, first, second)
    if start == 1 or found.step is None or found.first_step is None:
        return found
    shift = start - 1
    return replace(found, step=found.step + shift, first_step=found.first_step + shift)


def _gaps(first: Array, second: Array, unit: float) -> Array:
    """Per step, the largest distance over the elements, in units (inf for unmatched NaN/inf)."""
    a = np.asarray(first, dtype=np.float64).reshape(len(first), -1)
    b = np.asarray(second, dtype=np.float64).reshape(len(second), -1)
    with np.errstate(invalid="ignore", over="ignore"):
        gaps = np.abs(a - b) / unit
    same_bits = _same_bits(np.asarray(first), np.asarray(second)).reshape(a.shape)
    gaps = np.where(same_bits, 0.0, gaps)
    # Not finite and not the same bits on both sides: a NaN never passes, nor inf vs finite.
    gaps = np.where(~same_bits & ~(np.isfinite(a) & np.isfinite(b)), np.inf, gaps)
    result: Array = gaps.max(axis=1) if gaps.shape[1] else np.zeros(len(gaps))
    return result


def _same_bits(first: Array, second: Array) -> Array:
    if first.dtype.kind == "f":
        both_nan = np.isnan(first) & np.isnan(second)
        equal: Array = ((first == second) & (np.signbit(first) == np.signbit(second))) | both_nan
        return equal
    equal_values: Array = first == second
    return equal_values


def _deviation(quantity: str, first: Array, second: Array) -> Deviation:
    unit = scale_ulp(first) if np.asarray(first).dtype.kind == "f" else 1.0
    differ = ~_same_bits(np.asarray(first), np.asarray(second)).reshape(len(first), -1).all(axis=1)
    if not differ.any():
        # Identical: show the value at the quantity's largest magnitude (what sets its scale).
        flat = np.asarray(first, dtype=np.float64).reshape(-1)
        magnitude = np.where(np.isnan(flat), -1.0, np.abs(flat))
        value = float(flat[int(np.argmax(magnitude))]) if flat.size else 0.0
        return Deviation(quantity, 0.0, None, None, value, value, unit)
    gaps = _gaps(first, second, unit)
    worst = int(np.argmax(gaps))
    a = np.asarray(first[worst], dtype=np.float64).reshape(-1)
    b = np.asarray(second[worst], dtype=np.float64).reshape(-1)
    with np.errstate(invalid="ignore"):
        element = int(np.nanargmax(np.where(np.isnan(a - b), np.inf, np.abs(a - b))))
    return Deviation(
        quantity,
        float(gaps[worst]),
        worst + 1,
        int(np.argmax(differ)) + 1,
        float(a[element]),
        float(b[element]),
        unit,
    )


def _json_float(value: float) -> float | str:
    """Strict JSON has no NaN or infinity: those are written as strings."""
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
