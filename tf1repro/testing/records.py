"""Comparing two records: ``assert_records_close`` within a tolerance in float32 ulps, and
``first_bit_difference`` for records that must be the same to the bit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.compare import EVALUATION_SUFFIX, compare_records
from tf1repro.config import Float
from tf1repro.errors import ParameterError
from tf1repro.record import Record

Array = npt.NDArray[Any]


def assert_records_close(
    actual: Record, desired: Record, *, ulps: float = 0.0, err_msg: str = ""
) -> None:
    """Raise ``AssertionError`` unless every variable, fetch and evaluation of ``actual`` is
    within ``ulps`` of ``desired`` at every step.

    Distances are float32 ulps at each quantity's own scale, taken from ``desired`` (see
    ``tf1repro.compare``); 0 means bit for bit. A NaN or an infinity in either record never
    passes, and records of different inputs (feeds, initial values, tutorial or config) cannot
    be compared: both fail with a message saying so. ``err_msg`` is shown with the failure.
    """
    for name, record in (("actual", actual), ("desired", desired)):
        if not isinstance(record, Record):
            raise ParameterError(
                name, record, "a tf1repro.Record (see tf1repro.record.load_record)"
            )
    tolerance = Float(low=0.0).check("ulps", ulps)
    header = [
        f"Records not within {format_ulps(tolerance)} (float32 ulps at each quantity's scale)"
    ]
    if err_msg:
        header.append(err_msg)
    problem = desired.same_inputs(actual)
    if problem is not None:
        raise AssertionError(
            "\n".join(
                [
                    *header,
                    f"The records have different inputs: {problem}. Compare records of the "
                    "same inputs: replay one of them on another backend (tf1repro.replay).",
                ]
            )
        )
    for name, record in (("actual", actual), ("desired", desired)):
        where = _non_finite(record)
        if where is not None:
            raise AssertionError("\n".join([*header, f"{name} holds {where}: it never passes"]))
    try:
        comparison = compare_records(desired, actual)
    except ValueError as error:
        raise AssertionError("\n".join([*header, f"The records differ in kind: {error}"])) from None
    beyond = [d for d in comparison.deviations if d.ulps > tolerance]
    if not beyond:
        return
    worst = max(beyond, key=lambda d: d.ulps)
    others = ", ".join(f"{d.quantity!r} {format_ulps(d.ulps)} at step {d.step}" for d in beyond)
    raise AssertionError(
        "\n".join(
            [
                *header,
                f"Worst: {worst.quantity!r} at step {worst.step}: {format_ulps(worst.ulps)} "
                f"(one ulp at its scale is {worst.unit:.3g})",
                f" actual:  {np.float32(worst.second)!s} ({actual.backend})",
                f" desired: {np.float32(worst.first)!s} ({desired.backend})",
                f"Beyond the tolerance: {others}; first differing step {comparison.first_step}",
            ]
        )
    )


def format_ulps(value: float) -> str:
    """``value`` ulps in words: ``1 ulp``, ``0.5 ulps``."""
    return f"{value:g} ulp" + ("" if value == 1 else "s")


def _non_finite(record: Record) -> str | None:
    """Where ``record`` first holds a NaN or an infinity, in words; None when it holds none."""
    for name, values in record.quantities().items():
        bad = _non_finite_rows(values)
        if bad.any():
            step = int(np.argmax(bad)) + 1
            return f"{name!r} = {_first_non_finite(values[step - 1])} at step {step}"
    for label, results in sorted(record.evaluations.items()):
        for name, values in results.items():
            if _non_finite_rows(values[np.newaxis]).any():
                value = _first_non_finite(values)
                return f"{name + EVALUATION_SUFFIX!r} = {value} on the feeds {label!r}"
    return None


def _non_finite_rows(values: Array) -> Array:
    array = np.asarray(values)
    if array.dtype.kind != "f":
        return np.zeros(len(array), dtype=bool)
    rows: Array = ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)
    return rows


def _first_non_finite(values: Array) -> float:
    flat = np.asarray(values).reshape(-1)
    return float(flat[~np.isfinite(flat)][0])


def _named_arrays(record: Record) -> Iterator[tuple[str, Array]]:
    """Every array of ``record`` by where it sits, the inputs first."""
    for group in ("feeds", "initial", "variables", "fetches"):
        for name, values in getattr(record, group).items():
            yield f"{group} {name!r}", values
    for label, feeds in sorted(record.evaluation_feeds.items()):
        for name, values in feeds.items():
            yield f"evaluation feeds {label!r} {name!r}", values
    for label, results in sorted(record.evaluations.items()):
        for name, values in results.items():
            yield f"evaluations {label!r} {name!r}", values


def first_bit_difference(first: Record, second: Record) -> str | None:
    """Where the arrays of two records first differ in name, dtype, shape or a single bit."""
    mine, theirs = dict(_named_arrays(first)), dict(_named_arrays(second))
    for where, values in mine.items():
        other = theirs.get(where)
        if (
            other is None
            or values.dtype != other.dtype
            or values.shape != other.shape
            or values.tobytes() != other.tobytes()
        ):
            return where
    extra = sorted(set(theirs) - set(mine))
    return extra[0] if extra else None
