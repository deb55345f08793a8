"""The JSON form of a record: its format's name, its arrays, and ``RecordError``, which names
the field that is wrong.

Each array is ``{"dtype", "shape", "values"}`` with the values flattened in C order. Floats are
written as the shortest decimal that reads back to the same float64, which float32 values widen
to exactly, so a round trip keeps every bit; NaN and infinities (which strict JSON does not
allow) are the strings ``"nan"``, ``"inf"``, ``"-inf"``.
"""

from __future__ import annotations

import binascii
import math
from collections.abc import Collection
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.config import Constraint, Int
from tf1repro.errors import ParameterError

FORMAT = "tf1repro.record/4"
#: dtypes a record can hold (every placeholder and variable of a small TF1 tutorial fits).
DTYPES = frozenset(
    {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}
)
#: One dimension of a recorded array (bounded so that a corrupt file cannot ask for exabytes).
DIMENSION = Int(0, 10**9)
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
#: Per dtype kind, the exact Python types of JSON values that are its values as they are: a list
#: holding only these is taken whole (a record holds 10^5-10^6 of them); any other list is
#: checked value by value.
_PLAIN_TYPES = {"f": frozenset({int, float}), "i": frozenset({int}), "u": frozenset({int})}
_PLAIN_TYPES["b"] = frozenset({bool})

Array = npt.NDArray[Any]


class RecordError(ValueError):
    """A record (usually read from a file) is not valid; ``field`` is the dotted path in it."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"field {field!r}: {problem}" if field else problem)


def check_fields(
    data: dict[str, Any],
    expected: Collection[str],
    what: str,
    *,
    optional: Collection[str] = (),
    where: str = "",
) -> None:
    """A ``RecordError`` naming the first field of ``data`` (an object at ``where``) that
    ``what`` does not have, or else the first of ``expected`` that it lacks."""
    prefix = f"{where}." if where else ""
    unknown = sorted(set(data) - set(expected) - set(optional))
    if unknown:
        raise RecordError(prefix + unknown[0], f"is not a field of {what}")
    missing = sorted(set(expected) - set(data))
    if missing:
        raise RecordError(prefix + missing[0], "is missing")


def checked(where: str, constraint: Constraint, value: object) -> Any:
    """``value`` as a plain scalar if ``constraint`` allows it, else a ``RecordError`` at
    ``where`` in the constraint's words."""
    try:
        return constraint.check(where, value)
    except ParameterError as error:
        raise RecordError(where, f"must be {error.allowed}, got {value!r}") from None


def encode_array(values: Array) -> dict[str, Any]:
    """The JSON form of ``values``; every bit is kept."""
    array = np.asarray(values)
    flat = array.reshape(-1)
    if array.dtype.kind == "f" and not np.isfinite(flat).all():
        items: list[Any] = [
            float(v) if math.isfinite(v) else _non_finite_name(float(v)) for v in flat.tolist()
        ]
    else:
        items = flat.tolist()
    return {"dtype": array.dtype.name, "shape": list(array.shape), "values": items}


def decode_array(data: object, where: str) -> Array:
    """An array from its JSON form, values or packed; ``RecordError`` at ``where`` if it is
    not one."""
    forms = ({"dtype", "shape", "values"}, {"dtype", "shape", "packed"})
    if not isinstance(data, dict) or set(data) not in forms:
        raise RecordError(
            where, "must be an object with exactly 'dtype', 'shape' and 'values' (or 'packed')"
        )
    dtype, shape = data["dtype"], data["shape"]
    if dtype not in DTYPES:
        raise RecordError(f"{where}.dtype", f"must be one of {', '.join(sorted(DTYPES))}")
    if not isinstance(shape, list) or not all(DIMENSION.allows(d) for d in shape):
        raise RecordError(f"{where}.shape", f"must be a list, each {DIMENSION.describe()}")
    if "packed" in data:
        return unpacked(data["packed"], dtype, math.prod(shape), f"{where}.packed").reshape(shape)
    values = data["values"]
    if not isinstance(values, list) or len(values) != math.prod(shape):
        raise RecordError(f"{where}.values", f"must be a list of {math.prod(shape)} values")
    return values_array(values, dtype, f"{where}.values").reshape(shape)


def unpacked(packed: object, dtype: str, size: int, where: str) -> Array:
    """The flat array of ``size`` values of ``dtype`` whose little-endian bytes ``packed``
    holds in base64; a ``RecordError`` at ``where`` when it holds anything else."""
    if not isinstance(packed, str):
        raise RecordError(where, f"must be a base64 string, not {json_kind(packed)}")
    try:
        raw = binascii.a2b_base64(packed, strict_mode=True)
    except binascii.Error as error:
        raise RecordError(where, f"is not base64: {error}") from None
    kind = np.dtype(dtype).newbyteorder("<")
    if len(raw) != size * kind.itemsize:
        raise RecordError(
            where,
            f"must hold {size} {dtype} values ({size * kind.itemsize} bytes), not {len(raw)} bytes",
        )
    array = np.frombuffer(raw, dtype=kind).astype(dtype)
    if kind.kind == "b" and not np.isin(np.frombuffer(raw, dtype=np.uint8), (0, 1)).all():
        raise RecordError(where, "holds a byte other than 0 or 1 in a bool array")
    return array


def values_array(values: list[Any], dtype: str, where: str) -> Array:
    """A flat array of ``dtype`` holding exactly ``values`` (JSON scalars), or a
    ``RecordError`` at ``where`` naming the first value that is not exactly a ``dtype``."""
    kind = np.dtype(dtype).kind
    checked_values: list[Any]
    if set(map(type, values)) <= _PLAIN_TYPES.get(kind, frozenset()):
        checked_values = values
    else:
        checked_values = _checked_values(values, kind, dtype, where)
    try:
        with np.errstate(over="raise"):
            array = np.array(checked_values, dtype=dtype)
    except (OverflowError, FloatingPointError):
        raise RecordError(where, f"holds a value outside {dtype}") from None
    if kind == "f" and not _bits_equal_float64(array, checked_values):
        raise RecordError(where, f"holds a value that is not exactly a {dtype}")
    return array


def _checked_values(values: list[Any], kind: str, dtype: str, where: str) -> list[Any]:
    """``values`` with the names of the non-finite floats replaced by their values, or a
    ``RecordError`` at ``where`` naming the first value that is not a ``dtype`` value."""
    checked_values: list[Any] = []
    for value in values:
        if kind == "f" and isinstance(value, str) and value in _NON_FINITE:
            checked_values.append(_NON_FINITE[value])
        elif (
            (kind == "b" and isinstance(value, bool))
            or (kind in "iu" and isinstance(value, int) and not isinstance(value, bool))
            or (kind == "f" and isinstance(value, int | float) and not isinstance(value, bool))
        ):
            checked_values.append(value)
        else:
            raise RecordError(where, f"holds {value!r}, not a {dtype} value")
    return checked_values


def json_kind(value: object) -> str:
    """What a JSON value is, for messages: ``a list``, ``a string``, ``null``..."""
    names = {list: "a list", str: "a string", type(None): "null", bool: "a boolean"}
    return names.get(type(value), "a number")


def _non_finite_name(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _bits_equal_float64(array: Array, values: list[Any]) -> bool:
    """Whether every decoded value is exactly representable in the array's dtype."""
    wide = np.array(values, dtype=np.float64).reshape(array.shape)
    back = array.astype(np.float64)
    return bool(np.array_equal(back, wide, equal_nan=True))
