"""The equivalence report: a tutorial's TF1 graph, TF2 port and NumPy twin on the same inputs.

The graph backend trains each case once and records it; every other backend the tutorial has
replays that record. Every pair is compared quantity by quantity (``tf1repro.compare``) and
passes when each quantity's worst distance is within the tolerance.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tf1repro.backends import Progress, backends_of, replay_all, train
from tf1repro.compare import Comparison, compare_records
from tf1repro.config import Config, Float
from tf1repro.errors import ParameterError
from tf1repro.record import Record
from tf1repro.tutorial import Sweep, Tutorial

#: Backend pairs in the order the table lists them.
PAIRS = (("graph", "numpy"), ("graph", "eager"), ("eager", "numpy"))
#: One default for every comparison: on the same TensorFlow and kernel path a port, a twin that
#: mirrors the kernels' order and a restated graph compute the same bits. More is for records of
#: another release or kernel path, with the op that needs it named (``golden_tolerance_reason``).
DEFAULT_TOLERANCE_ULPS = 0.0
_TOLERANCE = Float(low=0)

Case = tuple[str, Tutorial, Config]
"""One case to compare: its label, the tutorial and its config."""


@dataclass(frozen=True)
class Row:
    """One compared pair of records and its verdict."""

    label: str
    """The case: the tutorial's name, with the swept value (``batch-20``) in a sweep."""
    comparison: Comparison
    tolerance_ulps: float

    @property
    def passed(self) -> bool:
        return self.comparison.within(self.tolerance_ulps)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, **self.comparison.to_dict(), "passed": self.passed}


@dataclass(frozen=True)
class Report:
    """All compared pairs; passes when every row does."""

    rows: tuple[Row, ...]
    tolerance_ulps: float
    platform: dict[str, str]

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    def table(self) -> list[str]:
        """The report as aligned text lines (one per pair and quantity), a verdict line last."""
        header = ("case", "backends", "quantity", "ulps", "at step", "first differs", "")
        body = []
        for row in self.rows:
            for d in row.comparison.deviations:
                ok = d.ulps <= self.tolerance_ulps
                body.append(
                    (
                        row.label,
                        "-".join(row.comparison.backends),
                        d.quantity,
                        f"{d.ulps:g}",
                        _step(d.step),
                        _step(d.first_step),
                        "pass" if ok else "FAIL",
                    )
                )
        widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in (header, *body)
        ]
        failed = sum(not row.passed for row in self.rows)
        pairs = f"{len(self.rows)} pair" + ("s" if len(self.rows) != 1 else "")
        if failed:
            verdict = f"{failed} of {pairs} exceed {self.tolerance_ulps:g} ulps"
        else:
            verdict = f"all {pairs} within {self.tolerance_ulps:g} ulps"
        kernels = self.platform.get("kernels")
        where = f"; kernels {kernels}" if kernels else ""
        return [*lines, f"{verdict} (float32 ulps at each quantity's own scale{where})"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tolerance_ulps": self.tolerance_ulps,
            "passed": self.passed,
            "platform": self.platform,
            "rows": [row.to_dict() for row in self.rows],
        }


def validate_tolerance(value: object) -> float:
    """A tolerance in scale-ulps: a finite number >= 0."""
    if not _TOLERANCE.allows(value):
        raise ParameterError("tolerance", value, "a finite number of ulps >= 0")
    return float(value)  # type: ignore[arg-type]


def sweep_cases(
    tutorials: Sequence[Tutorial], configs: Sequence[Config], sweep: Sweep | None = None
) -> list[Case]:
    """The cases to compare: each tutorial with its config, labelled with its name; with
    ``sweep``, a tutorial whose config has the swept parameter once per value instead, labelled
    ``<name>-<value>`` (``batch-20``).

    Raises ``ParameterError`` (for ``sweep``) when no config has the parameter, or its values
    repeat or are not what the parameter allows.
    """
    values = () if sweep is None else _sweep_values(sweep, tutorials)
    cases: list[Case] = []
    for tutorial, config in zip(tutorials, configs, strict=True):
        settings = config.to_dict()
        if sweep is None or sweep.parameter not in settings:
            cases.append((tutorial.name, tutorial, config))
            continue
        for value in values:
            made = tutorial.make_config(**{**settings, sweep.parameter: value})
            cases.append((f"{tutorial.name}-{value}", tutorial, made))
    return cases


def _sweep_values(sweep: Sweep, tutorials: Sequence[Tutorial]) -> tuple[Any, ...]:
    """The sweep's values as the parameter's constraint returns them (``1`` for a float: 1.0)."""
    fields = [field for t in tutorials for field in dataclasses.fields(t.Config)]
    constraints = [
        field.metadata.get("constraint") for field in fields if field.name == sweep.parameter
    ]
    if not constraints:
        names = ", ".join(sorted({field.name for field in fields}))
        allowed = f"PARAMETER=V1,V2,... for a parameter of the config ({names})"
        raise ParameterError("sweep", str(sweep), allowed)
    values = sweep.values
    for constraint in filter(None, constraints):
        try:
            values = tuple(constraint.check(sweep.parameter, value) for value in values)
        except ParameterError:
            allowed = f"{sweep.parameter}=V1,V2,... each {constraint.describe()}"
            raise ParameterError("sweep", str(sweep), allowed) from None
    if not values or len(set(values)) != len(values):
        allowed = f"{sweep.parameter}=V1,V2,... with distinct values"
        raise ParameterError("sweep", str(sweep), allowed)
    return values


def three_way(
    cases: Sequence[Case],
    seed: int,
    *,
    tolerance_ulps: float = DEFAULT_TOLERANCE_ULPS,
    logdir: Path | None = None,
    verbose: bool = False,
    progress: Progress | None = None,
) -> tuple[Report, list[dict[str, Record]]]:
    """Train every (label, tutorial, config) case on the graph, replay it on the tutorial's
    other backends, and compare every pair. Returns the report and, per case, its records by
    backend. With ``logdir``, the eager backend writes its events to ``logdir/<case>/eager``.
    ``progress(done, total)`` counts the runs: each training, then each replay."""
    others = {
        backend: [i for i, (_, t, _c) in enumerate(cases) if backend in backends_of(t)]
        for backend in ("numpy", "eager")
    }
    total = len(cases) + sum(len(chosen) for chosen in others.values())
    done = 0

    def advance(runs: int) -> None:
        nonlocal done
        done += runs
        if progress is not None:
            progress(done, total)

    advance(0)
    graph_records = []
    for _, tutorial, config in cases:
        graph_records.append(train(tutorial, config, seed))
        advance(1)
    made: dict[str, list[Record | None]] = {"graph": list(graph_records)}
    for backend, chosen in others.items():
        records: list[Record | None] = [None] * len(cases)
        if chosen:
            options: dict[str, Any] = {}
            if backend == "eager":
                options = {"verbose": verbose}
                if logdir is not None:
                    options["logdirs"] = [logdir / cases[i][0] / "eager" for i in chosen]
            replayed = replay_all([graph_records[i] for i in chosen], backend, **options)
            for i, record in zip(chosen, replayed, strict=True):
                records[i] = record
            advance(len(chosen))
        made[backend] = records

    rows = []
    for index, (label, _, _) in enumerate(cases):
        for first, second in PAIRS:
            a, b = made[first][index], made[second][index]
            if a is not None and b is not None:
                rows.append(Row(label, compare_records(a, b), tolerance_ulps))
    by_case = [
        {backend: records[i] for backend, records in made.items() if records[i] is not None}
        for i in range(len(cases))
    ]
    platform = dict(graph_records[0].platform) if graph_records else {}
    return Report(tuple(rows), tolerance_ulps, platform), by_case  # type: ignore[return-value]


def recorded(
    records: Sequence[Record], *, tolerance_ulps: float = DEFAULT_TOLERANCE_ULPS
) -> Report:
    """Compare every pair of recorded records that consumed the same inputs, in the given order.

    Raises ``ValueError`` when no two of them can be compared.
    """
    rows = []
    for first, second in itertools.combinations(records, 2):
        if first.same_inputs(second) is not None:
            continue
        rows.append(Row(first.tutorial, compare_records(first, second), tolerance_ulps))
    if not rows:
        raise ValueError("no two of the records have the same tutorial, config and inputs")
    return Report(tuple(rows), tolerance_ulps, dict(records[0].platform))


def _step(step: int | None) -> str:
    return "-" if step is None else str(step)


def measure(tutorial: Tutorial, seed: int = 0, *, verbose: bool = False) -> dict[str, Any]:
    """One row of the tutorials table: what the graph computes, and how far the TF2 port and
    the NumPy twin are from it (worst ulps over every quantity and step), on ``seed``."""
    from tf1repro.backends import graph

    config = tutorial.Config()
    row: dict[str, Any] = {"tutorial": tutorial.name, "steps": config.steps, "seed": seed}
    row.update(graph.describe(tutorial, config))
    record = train(tutorial, config, seed)
    row["kernels"] = record.platform.get("kernels")
    for backend in ("eager", "numpy"):
        worst: float | None = None
        if backend in backends_of(tutorial):
            options = {"verbose": verbose} if backend == "eager" else {}
            (other,) = replay_all([record], backend, **options)
            worst = compare_records(record, other).worst
        row[f"graph_{backend}_ulps"] = worst
    return row
