"""The record of one training run: named arrays per step, lossless, validated on load.

A record holds everything a run consumed and produced, by name: every step's fed arrays, every
variable's initial value, every variable and every fetch after every step, and the evaluations
after training; with the tutorial, its config, the seed, the backend and the versions that made
it. Because it holds all the randomness (feeds and initial values), any backend can replay it
on exactly the same inputs, and two records can be compared step by step.

A record may also hold evaluation curves (``curves``): what was evaluated after some steps on
feeds other than the step's own (a test accuracy after every step), each distinct feed set
stored once (``curve_feeds``) and referred to by its label.

A recording of a graph that holds several training ops (two ``minimize`` of one optimizer, run
in turn) says which one each step ran (``trainers``): the op's index among the graph's training
ops, which the recording's ``sites`` list.

JSON form (``tf1repro.record/4``): ``Record.to_dict``'s fields, each array in the lossless form
of ``tf1repro.record.json_form``. Records of older formats (format 1: the article's first
records; format 2: records before evaluation curves; format 3: records before ``trainers``) are
converted on load by ``tf1repro.record.migrations``, with their bits unchanged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tf1repro.config import MAX_SEED, MAX_STEPS, Choice, Int
from tf1repro.record.json_form import (
    DTYPES,
    FORMAT,
    Array,
    RecordError,
    check_fields,
    checked,
    decode_array,
    encode_array,
    json_kind,
)
from tf1repro.record.migrations import MIGRATIONS

#: Who may have computed a record: the engine's backends (``tf1repro.backends.BACKENDS``), and
#: ``legacy``, the recorder of an unmodified script (``tf1repro.recording``).
BACKENDS = ("graph", "eager", "numpy", "legacy")
_BACKEND = Choice(BACKENDS)
_SEED = Int(0, MAX_SEED)
_STEP = Int(1, MAX_STEPS)
_TRAINER = Int(0, MAX_STEPS)

#: The label of a curve evaluated on each step's own feeds (no feed set of its own).
STEP_FEEDS = "step"

__all__ = [
    "BACKENDS",
    "DTYPES",
    "FORMAT",
    "STEP_FEEDS",
    "Curve",
    "Record",
    "RecordError",
    "decode_array",
    "encode_array",
    "load_record",
    "read_curves",
]


@dataclass(frozen=True, eq=False)
class Curve:
    """One output evaluated on one feed set after some of the steps: ``values[i]`` was read
    after step ``steps[i]`` (1-based, increasing), from the variables after that step's update."""

    steps: Array
    """The steps after which it was evaluated, int64 ``[n]``."""
    values: Array
    """Its values, ``[n, ...]``."""

    def __post_init__(self) -> None:
        steps = np.array(self.steps, dtype=np.int64).reshape(-1)
        values = np.array(self.values)
        for array in (steps, values):
            array.flags.writeable = False
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "values", values)

    def to_dict(self) -> dict[str, Any]:
        return {"steps": self.steps.tolist(), "values": encode_array(self.values)}


@dataclass(frozen=True, eq=False)
class Record:
    """One tutorial's run on one backend. Arrays are read-only.

    ``variables[name][i]`` and ``fetches[name][i]`` are read after step ``i + 1``'s update, on
    that step's feeds ``feeds[name][i]``; ``initial[name]`` is the value before step 1.
    """

    tutorial: str
    """The tutorial's name, or ``path.py:Class`` for a tutorial in a user's file."""
    backend: str
    """Who computed it: ``graph`` (TF1), ``eager`` (the TF2 port), ``numpy`` (the twin), or
    ``legacy`` (the recording of an unmodified script)."""
    config: Mapping[str, Any]
    seed: int
    versions: Mapping[str, str]
    feeds: Mapping[str, Array]
    initial: Mapping[str, Array]
    variables: Mapping[str, Array]
    fetches: Mapping[str, Array]
    evaluation_feeds: Mapping[str, Mapping[str, Array]] = field(default_factory=dict)
    evaluations: Mapping[str, Mapping[str, Array]] = field(default_factory=dict)
    curve_feeds: Mapping[str, Mapping[str, Array]] = field(default_factory=dict)
    """The feed sets the curves were evaluated on, each once, by label (a recording numbers
    them ``1``, ``2``... in the order they were first used; a tutorial's are its
    ``evaluation_feeds`` labels)."""
    curves: Mapping[str, Mapping[str, Curve]] = field(default_factory=dict)
    """Evaluation curves: per evaluated output, per feed set label (or ``STEP_FEEDS``, the
    step's own feeds), its values after the steps it was evaluated at."""
    platform: Mapping[str, str] = field(default_factory=dict)
    """How the numbers were computed beyond versions, e.g. ``{"kernels": "onednn+fma"}``."""
    trainers: Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Per step, which training op it ran: its index among the graph's training ops, int64
    ``[steps]``; empty when every step ran the first (a graph of one training op)."""
    source: Mapping[str, str] = field(default_factory=dict)
    """For a recording of an unmodified script (``legacy run --record``): the script, its
    graph, where the recording was cut (``cut``) and what it left out (``not recorded: ...``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", dict(self.config))
        object.__setattr__(self, "versions", dict(self.versions))
        object.__setattr__(self, "platform", dict(self.platform))
        object.__setattr__(self, "source", dict(self.source))
        for name in ("feeds", "initial", "variables", "fetches"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        for name in ("evaluation_feeds", "evaluations", "curve_feeds"):
            nested = {label: _frozen(arrays) for label, arrays in getattr(self, name).items()}
            object.__setattr__(self, name, nested)
        object.__setattr__(self, "curves", {n: dict(c) for n, c in self.curves.items()})
        trainers = np.array(self.trainers, dtype=np.int64).reshape(-1)
        if not trainers.any():
            trainers = trainers[:0]  # every step ran the first op: the one-op record's form
        trainers.flags.writeable = False
        object.__setattr__(self, "trainers", trainers)
        self._check_shapes()
        self._check_curves()

    def _check_shapes(self) -> None:
        steps = self.steps
        for group in ("feeds", "variables", "fetches"):
            for name, values in getattr(self, group).items():
                if values.ndim == 0 or len(values) != steps:
                    raise RecordError(
                        f"{group}.{name}", f"must hold {steps} steps, got shape {values.shape}"
                    )
        if set(self.initial) != set(self.variables):
            raise RecordError("initial", "must name the same variables as 'variables'")
        for name, values in self.variables.items():
            if values.shape[1:] != self.initial[name].shape:
                raise RecordError(
                    f"variables.{name}",
                    f"step shape {values.shape[1:]} is not the initial's "
                    f"{self.initial[name].shape}",
                )
        if set(self.evaluations) - set(self.evaluation_feeds):
            raise RecordError("evaluations", "every evaluation needs its feeds")
        if len(self.trainers) and (len(self.trainers) != steps or self.trainers.min() < 0):
            raise RecordError("trainers", f"must be {steps} training op indices, each 0 or more")

    def _check_curves(self) -> None:
        if STEP_FEEDS in self.curve_feeds:
            raise RecordError(f"curves.feeds.{STEP_FEEDS}", "is the steps' own feeds' label")
        for name, by_label in self.curves.items():
            for label, curve in by_label.items():
                where = f"curves.fetches.{name}.{label}"
                if label != STEP_FEEDS and label not in self.curve_feeds:
                    raise RecordError(where, "names a feed set that 'curves.feeds' lacks")
                steps = curve.steps
                if len(steps) == 0 or len(curve.values) != len(steps):
                    raise RecordError(where, "must hold one value per step it names")
                if steps[0] < 1 or steps[-1] > self.steps or np.any(np.diff(steps) <= 0):
                    raise RecordError(
                        f"{where}.steps", f"must be increasing steps from 1 to {self.steps}"
                    )

    @property
    def steps(self) -> int:
        """Number of recorded steps."""
        for group in (self.feeds, self.variables, self.fetches):
            for values in group.values():
                return len(values) if values.ndim else 0
        return 0

    def value(self, name: str, step: int) -> Array:
        """A variable or fetch after ``step`` (1-based); step 0 is a variable's initial value."""
        if step == 0:
            return self.initial[name]
        group = self.variables if name in self.variables else self.fetches
        value: Array = group[name][step - 1]
        return value

    def step_feeds(self, step: int) -> dict[str, Array]:
        """The feeds of ``step`` (1-based)."""
        return {name: values[step - 1] for name, values in self.feeds.items()}

    def trainer(self, step: int) -> int:
        """The index of the training op that ``step`` (1-based) ran."""
        return int(self.trainers[step - 1]) if len(self.trainers) else 0

    def quantities(self) -> dict[str, Array]:
        """Every variable and fetch trajectory, by name (variables first)."""
        return {**self.variables, **self.fetches}

    def same_inputs(self, other: Record) -> str | None:
        """None when ``other`` was fed the same feeds and initial values; else what differs."""
        if self.tutorial != other.tutorial or self.config != other.config:
            return "the records are of different tutorials or configs"
        for group in ("feeds", "initial"):
            mine, theirs = getattr(self, group), getattr(other, group)
            if set(mine) != set(theirs):
                return f"their {group} have different names"
            for name in mine:
                if not _bits_equal(mine[name], theirs[name]):
                    return f"their {group} '{name}' differ"
        if set(self.evaluation_feeds) != set(other.evaluation_feeds):
            return "their evaluation feeds differ"
        if set(self.curve_feeds) != set(other.curve_feeds) or any(
            set(feeds) != set(other.curve_feeds[label])
            or not all(_bits_equal(a, other.curve_feeds[label][n]) for n, a in feeds.items())
            for label, feeds in self.curve_feeds.items()
        ):
            return "the feeds of their evaluation curves differ"
        for step in range(1, min(self.steps, other.steps) + 1):
            if self.trainer(step) != other.trainer(step):
                return (
                    f"step {step} ran training op {other.trainer(step) + 1} in place of "
                    f"op {self.trainer(step) + 1}"
                )
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # -- JSON --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A strict-JSON-ready dict (no NaN tokens); every bit is kept."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "tutorial": self.tutorial,
            "backend": self.backend,
            "seed": self.seed,
            "config": dict(self.config),
            "versions": dict(sorted(self.versions.items())),
        }
        if self.platform:
            data["platform"] = dict(sorted(self.platform.items()))
        if self.source:
            data["source"] = dict(sorted(self.source.items()))
        data["steps"] = self.steps
        if len(self.trainers):
            data["trainers"] = self.trainers.tolist()
        for group in ("initial", "variables", "fetches", "feeds"):
            data[group] = {name: encode_array(a) for name, a in getattr(self, group).items()}
        if self.evaluation_feeds:
            data["evaluation"] = {
                label: {
                    "feeds": {n: encode_array(a) for n, a in feeds.items()},
                    "results": {
                        n: encode_array(a) for n, a in self.evaluations.get(label, {}).items()
                    },
                }
                for label, feeds in self.evaluation_feeds.items()
            }
        if self.curves:
            data["curves"] = {
                "feeds": {
                    label: {n: encode_array(a) for n, a in feeds.items()}
                    for label, feeds in self.curve_feeds.items()
                },
                "fetches": {
                    name: {label: curve.to_dict() for label, curve in by_label.items()}
                    for name, by_label in self.curves.items()
                },
            }
        return data

    def to_json(self) -> str:
        """The record as strict JSON text (``to_dict``), one value per line."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: object) -> Record:
        """Validate and load a record dict (any format this version reads); ``RecordError``
        names the first field that is wrong."""
        if not isinstance(data, dict):
            raise RecordError("", f"a record must be a JSON object, not {json_kind(data)}")
        form = data.get("format")
        if form != FORMAT:
            migrate = MIGRATIONS.get(form) if isinstance(form, str) else None
            if migrate is None:
                known = ", ".join(sorted({FORMAT, *MIGRATIONS}))
                raise RecordError("format", f"must be one of {known}, got {form!r}")
            data = migrate(data)
        return _parse(data)


def load_record(path: str | os.PathLike[str]) -> Record:
    """Read and validate a record file (through ``tf1repro.files``'s reader).

    Raises ``tf1repro.files.InputError`` naming the file and the field that is wrong.
    """
    from tf1repro.files import InputError, read_json

    data = read_json(path)
    try:
        return Record.from_dict(data)
    except RecordError as error:
        raise InputError(path, error.problem, error.field or None) from None


def _parse(data: dict[str, Any]) -> Record:
    expected = {
        "format",
        "tutorial",
        "backend",
        "seed",
        "config",
        "versions",
        "steps",
        "initial",
        "variables",
        "fetches",
        "feeds",
    }
    check_fields(
        data,
        expected,
        "a record",
        optional=("platform", "source", "evaluation", "curves", "trainers"),
    )
    tutorial = _string(data, "tutorial")
    backend = checked("backend", _BACKEND, data["backend"])
    seed = checked("seed", _SEED, data["seed"])
    config = _object(data, "config")
    versions = _string_map(data, "versions")
    platform = _string_map(data, "platform") if "platform" in data else {}
    source = _string_map(data, "source") if "source" in data else {}
    groups = {g: _arrays(_object(data, g), g) for g in ("initial", "variables", "fetches", "feeds")}
    evaluation_feeds: dict[str, dict[str, Array]] = {}
    evaluations: dict[str, dict[str, Array]] = {}
    for label, part in _object(data, "evaluation").items() if "evaluation" in data else ():
        where = f"evaluation.{label}"
        if not isinstance(part, dict) or set(part) != {"feeds", "results"}:
            raise RecordError(where, "must be an object with 'feeds' and 'results'")
        evaluation_feeds[label] = _arrays(part["feeds"], f"{where}.feeds")
        evaluations[label] = _arrays(part["results"], f"{where}.results")
    curve_feeds, curves = read_curves(data["curves"]) if "curves" in data else ({}, {})
    trainers = data.get("trainers", [])
    if not isinstance(trainers, list) or not all(_TRAINER.allows(t) for t in trainers):
        raise RecordError("trainers", f"must be a list of op indices, each {_TRAINER.describe()}")
    record = Record(
        tutorial=tutorial,
        backend=backend,
        config=config,
        seed=seed,
        versions=versions,
        platform=platform,
        source=source,
        evaluation_feeds=evaluation_feeds,
        evaluations=evaluations,
        curve_feeds=curve_feeds,
        curves=curves,
        trainers=np.array(trainers, dtype=np.int64),
        **groups,
    )
    if data["steps"] != record.steps:
        raise RecordError("steps", f"says {data['steps']!r} but the arrays hold {record.steps}")
    return record


def read_curves(
    data: object,
) -> tuple[dict[str, dict[str, Array]], dict[str, dict[str, Curve]]]:
    """A record's ``curves`` field (its JSON form): its feed sets by label, and each curve by
    output and label. ``RecordError`` names the first field that is wrong."""
    if not isinstance(data, dict):
        raise RecordError("curves", f"must be an object, not {json_kind(data)}")
    check_fields(data, ("feeds", "fetches"), "a record's curves", where="curves")
    feeds = {
        label: _arrays(arrays, f"curves.feeds.{label}")
        for label, arrays in _object(data, "feeds").items()
    }
    curves: dict[str, dict[str, Curve]] = {}
    for name, by_label in _object(data, "fetches").items():
        if not isinstance(by_label, dict):
            raise RecordError(
                f"curves.fetches.{name}", f"must be an object, not {json_kind(by_label)}"
            )
        for label, part in by_label.items():
            where = f"curves.fetches.{name}.{label}"
            if not isinstance(part, dict):
                raise RecordError(where, f"must be an object, not {json_kind(part)}")
            check_fields(part, ("steps", "values"), "a curve", where=where)
            steps = part["steps"]
            if not isinstance(steps, list) or not all(_STEP.allows(step) for step in steps):
                raise RecordError(
                    f"{where}.steps", f"must be a list of steps, each {_STEP.describe()}"
                )
            values = decode_array(part["values"], f"{where}.values")
            curves.setdefault(name, {})[label] = Curve(np.array(steps, dtype=np.int64), values)
    return feeds, curves


def _string(data: dict[str, Any], name: str) -> str:
    value = data[name]
    if not isinstance(value, str) or not value:
        raise RecordError(name, f"must be a non-empty string, got {value!r}")
    return value


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data[name]
    if not isinstance(value, dict):
        raise RecordError(name, f"must be an object, not {json_kind(value)}")
    return value


def _string_map(data: dict[str, Any], name: str) -> dict[str, str]:
    value = _object(data, name)
    for key, item in value.items():
        if not isinstance(item, str):
            raise RecordError(f"{name}.{key}", f"must be a string, got {item!r}")
    return value


def _arrays(data: object, where: str) -> dict[str, Array]:
    if not isinstance(data, dict):
        raise RecordError(where, f"must be an object, not {json_kind(data)}")
    return {name: decode_array(value, f"{where}.{name}") for name, value in data.items()}


def _bits_equal(first: Array, second: Array) -> bool:
    if first.shape != second.shape or first.dtype != second.dtype:
        return False
    if first.dtype.kind == "f":
        return bool(np.array_equal(first, second, equal_nan=True)) and bool(
            np.array_equal(np.signbit(first), np.signbit(second))
        )
    return bool(np.array_equal(first, second))


def _frozen(arrays: Mapping[str, Any]) -> dict[str, Array]:
    frozen = {}
    for name, values in arrays.items():
        array = np.array(values)
        array.flags.writeable = False
        frozen[name] = array
    return frozen
