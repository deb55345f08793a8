"""Reading a loaded JSON object field by field, each wrong field one line naming it, dotted.

What a field may hold is stated with ``tf1repro.config``'s constraints (``Int``, ``Float``,
``Choice``, ``Bool``), the same rules and words as for config fields and command-line options.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any, TypeVar

from tf1repro.config import Bool, Choice, Constraint, Float, Int
from tf1repro.files.reading import InputError

T = TypeVar("T")


def _brief(value: object) -> str:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return names.get(type(value), type(value).__name__)


class Fields:
    """A loaded JSON object, read field by field with one-line errors naming the dotted field.

    ``Fields(data, path).integer("steps", low=1)`` returns the int or raises ``InputError``
    ``run.json: field 'config.steps': must be an int in the range [1, inf), got "x"``.
    """

    def __init__(self, data: object, path: str | os.PathLike[str], where: str = "") -> None:
        self.path = path
        self.where = where
        if not isinstance(data, dict):
            problem = f"must be a JSON object, got {_type_name(data)}"
            raise InputError(path, problem, where or None)
        self.data: dict[str, Any] = data

    def _name(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, problem: str) -> InputError:
        """An ``InputError`` about field ``name`` of this object (for checks of one's own)."""
        return InputError(self.path, problem, self._name(name))

    def has(self, name: str) -> bool:
        """Whether the object has field ``name``."""
        return name in self.data

    def only(self, *names: str) -> None:
        """Refuse any field not in ``names`` (a misspelt field must not be silently ignored)."""
        for key in self.data:
            if key not in names:
                raise self.error(key, f"unknown field (allowed: {', '.join(names)})")

    def _value(self, name: str) -> Any:
        if name not in self.data:
            raise self.error(name, "missing")
        return self.data[name]

    def get(self, name: str, kind: type[T], described: str | None = None) -> T:
        """Field ``name``, which must be an instance of ``kind`` (``described`` in the message)."""
        value = self._value(name)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            wanted = described or f"a {kind.__name__}"
            raise self.error(name, f"must be {wanted}, got {_brief(value)}")
        return value

    def check(self, name: str, constraint: Constraint) -> Any:
        """Field ``name``, which ``constraint`` must allow (its ``describe()`` in the message)."""
        value = self._value(name)
        if not constraint.allows(value):
            raise self.error(name, f"must be {constraint.describe()}, got {_brief(value)}")
        return value

    def integer(self, name: str, *, low: int, high: int | None = None) -> int:
        """An int in ``[low, high]`` (``high=None``: no upper bound); ``true`` is not an int."""
        return int(self.check(name, Int(low, high)))

    def number(self, name: str) -> float:
        """A finite number (int or float) as a float."""
        return float(self.check(name, Float()))

    def string(self, name: str, *, choices: Iterable[str] | None = None) -> str:
        """A string; one of ``choices`` when given."""
        if choices is not None:
            return str(self.check(name, Choice(tuple(choices))))
        return self.get(name, str, "a string")

    def boolean(self, name: str) -> bool:
        """``true`` or ``false`` (not 0 or 1)."""
        return bool(self.check(name, Bool()))

    def array(self, name: str, *, length: int | None = None) -> list[Any]:
        """A list; of ``length`` items when given."""
        value = self.get(name, list, "a list")
        if length is not None and len(value) != length:
            raise self.error(name, f"must hold {length} items, got {len(value)}")
        return value

    def obj(self, name: str) -> Fields:
        """Field ``name`` as a nested ``Fields``."""
        return Fields(self._value(name), self.path, self._name(name))

    def objs(self, name: str) -> list[Fields]:
        """Field ``name``, a list of objects, as ``Fields`` named ``name[0]``, ``name[1]``..."""
        where = self._name(name)
        return [
            Fields(item, self.path, f"{where}[{index}]")
            for index, item in enumerate(self.array(name))
        ]
