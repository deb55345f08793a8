"""Older record formats, read by converting them into the current one with every bit unchanged.

``MIGRATIONS`` maps a format's name to its converter: a function from a JSON object of that
format to one of the current format (``FORMAT``), which the reader then checks as it checks any
record. A converter refuses, with a ``RecordError`` naming the field, what its format did not
allow, and what the conversion would otherwise silently drop.

Format 1, ``tf1repro.run/1``, was written only by the article's first trainers, ``stochastic``
and ``batch`` (backends ``graph``, ``reference``, since renamed ``numpy``, and ``eager``). It kept
the data set ``x`` and every step's indices into it instead of the feeds, and ``A`` and the loss
as one float per step; its config was the article's, with the batch size even for the stochastic
trainer. What it says of the article is frozen with the format: this module describes a file
layout of the past and imports no tutorial, so a broken tutorial cannot stop a record loading.

Format 2, ``tf1repro.record/2``, is format 3 without evaluation curves (``curves``): every
record written before them, the golden runs among them. Format 3, ``tf1repro.record/3``, is the
current format without ``trainers`` (which training op each step ran): each of its steps ran its
graph's one training op. Both convert by their name alone.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from typing import Any

import numpy as np

from tf1repro.config import MAX_STEPS, Choice, Constraint, Float, Int
from tf1repro.record.json_form import (
    FORMAT,
    Array,
    RecordError,
    check_fields,
    checked,
    encode_array,
    json_kind,
    values_array,
)

F32 = np.float32

FORMAT_1 = "tf1repro.run/1"
FORMAT_2 = "tf1repro.record/2"
FORMAT_3 = "tf1repro.record/3"
_V1_FIELDS = (
    *("format", "trainer", "backend", "seed", "config", "versions"),
    *("a0", "logged_steps", "a", "loss", "x", "indices"),
)
#: Format 1's config, in the order the current format writes the article's; ``log_every`` is
#: bounded by ``steps`` too.
_V1_CONFIG: dict[str, Constraint] = {
    "steps": Int(1, MAX_STEPS),
    "learning_rate": Float(positive=True),
    "log_every": Int(1, MAX_STEPS),
    "data_size": Int(1),
    "x_mean": Float(),
    "x_std": Float(positive=True),
    "target": Float(),
    "batch_size": Int(1),
}
_V1_TRAINER = Choice(("stochastic", "batch"))
_V1_BACKEND = Choice(("graph", "reference", "eager"))
_V1_RENAMED_BACKENDS = {"reference": "numpy"}
#: Per trainer, as its graph had them: A's shape, one step's feed shape and the loss's shape.
_V1_SHAPES = {"stochastic": ((1,), (1,), (1,)), "batch": ((1, 1), (-1, 1), ())}


def from_run_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A ``tf1repro.run/1`` record as a record of the current format, every float32's bits kept.

    The feeds are rebuilt as the graph saw them: ``x[indices]`` cast to float32 (the
    placeholder's dtype), and ``y`` the target in float32.
    """
    check_fields(data, _V1_FIELDS, f"a {FORMAT_1} record")
    trainer = checked("trainer", _V1_TRAINER, data["trainer"])
    backend = checked("backend", _V1_BACKEND, data["backend"])
    config = _v1_config(data["config"])
    steps = config["steps"]
    every = config["log_every"]
    logged = list(range(every, steps + 1, every))
    if data["logged_steps"] != logged:
        raise RecordError(
            "logged_steps",
            f"must be the steps that log_every={every} logs up to steps={steps}, "
            f"{reprlib.repr(logged)}; got {reprlib.repr(data['logged_steps'])}",
        )
    a0 = values_array([data["a0"]], "float32", "a0")
    a = _floats(data, "a", steps, "float32")
    loss = _floats(data, "loss", steps, "float32")
    x32 = _floats(data, "x", config["data_size"], "float64").astype(F32)
    width = config["batch_size"] if trainer == "batch" else 1
    indices = _v1_indices(data["indices"], steps, width, len(x32))
    shape, feed_shape, loss_shape = _V1_SHAPES[trainer]
    x_feed = x32[indices].reshape(steps, *feed_shape)
    if trainer == "stochastic":
        del config["batch_size"]  # format 1 kept it, although it played no part
    return {
        "format": FORMAT,
        "tutorial": trainer,
        "backend": _V1_RENAMED_BACKENDS.get(backend, backend),
        "seed": data["seed"],
        "config": config,
        "versions": data["versions"],
        "steps": steps,
        "initial": {"A": encode_array(a0.reshape(shape))},
        "variables": {"A": encode_array(a.reshape(steps, *shape))},
        "fetches": {"loss": encode_array(loss.reshape(steps, *loss_shape))},
        "feeds": {
            "x": encode_array(x_feed),
            "y": encode_array(np.full_like(x_feed, F32(config["target"]))),
        },
    }


def _v1_config(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError("config", f"must be an object, not {json_kind(value)}")
    check_fields(value, _V1_CONFIG, f"a {FORMAT_1} config", where="config")
    steps = checked("config.steps", _V1_CONFIG["steps"], value["steps"])
    limits = {**_V1_CONFIG, "log_every": Int(1, steps)}
    return {name: checked(f"config.{name}", limit, value[name]) for name, limit in limits.items()}


def _floats(data: dict[str, Any], name: str, count: int, dtype: str) -> Array:
    """Field ``name``: a flat list of ``count`` values that are exactly ``dtype`` values."""
    values = data[name]
    if not isinstance(values, list) or len(values) != count:
        raise RecordError(
            name, f"must be a list of {count} {dtype} values, got {reprlib.repr(values)}"
        )
    return values_array(values, dtype, name)


def _v1_indices(value: object, steps: int, width: int, size: int) -> Array:
    """``indices``: ``steps`` rows of ``width`` indices into ``x`` (``size`` values)."""
    rows = value if isinstance(value, list) else []
    if len(rows) != steps or not all(isinstance(r, list) and len(r) == width for r in rows):
        what = f"a list of {steps} lists of {width} indices into x"
        raise RecordError("indices", f"must be {what}, got {reprlib.repr(value)}")
    index = Int(0, size - 1)
    for row in rows:
        for item in row:
            if not index.allows(item):
                raise RecordError(
                    "indices", f"holds {item!r}; an index into x must be {index.describe()}"
                )
    return np.array(rows, dtype=np.int64)


def from_record_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A ``tf1repro.record/2`` record as one of the current format: the same fields (format 2
    had no ``curves`` and no ``trainers``)."""
    for name in ("curves", "trainers"):
        if name in data:
            raise RecordError(name, f"is not a field of a {FORMAT_2} record")
    return {**data, "format": FORMAT}


def from_record_v3(data: dict[str, Any]) -> dict[str, Any]:
    """A ``tf1repro.record/3`` record as one of the current format: the same fields (format 3
    had no ``trainers``: every step ran the graph's one training op)."""
    if "trainers" in data:
        raise RecordError("trainers", f"is not a field of a {FORMAT_3} record")
    return {**data, "format": FORMAT}


#: The converters of older formats into the current one, by format name.
MIGRATIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    FORMAT_1: from_run_v1,
    FORMAT_2: from_record_v2,
    FORMAT_3: from_record_v3,
}
