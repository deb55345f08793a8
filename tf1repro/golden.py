"""Golden runs: committed graph records that every TensorFlow release must reproduce exactly.

A golden is a record made by ``tf1repro golden --update`` on one TensorFlow release. The check
retrains each golden's tutorial, config and seed on the installed release and expects the very
same bits; a difference is reported as a readable diff (the first differing step, the values of
every quantity there, the distance in ulps, and the versions on both sides).

Which goldens exist is declared by the tutorials: ``Tutorial.golden_cases`` (config overrides
by label) times ``Tutorial.golden_seeds``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.backends import Progress, train, tutorial_of
from tf1repro.compare import scale_ulp
from tf1repro.record import Record
from tf1repro.tutorial import Tutorial, load_tutorial, tutorial_names


@dataclass(frozen=True)
class GoldenCase:
    """One golden run: a tutorial, a labelled set of config overrides and a seed."""

    tutorial: str
    """How the tutorial is found: its name, or ``path.py:Class`` for a user's file."""
    name: str
    seed: int
    label: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        label = f"-{self.label}" if self.label else ""
        return f"{self.name}{label}-seed{self.seed}.json"

    def train(self) -> Record:
        tutorial = load_tutorial(self.tutorial)
        return train(tutorial, tutorial.make_config(**self.overrides), self.seed)


def cases(tutorials: Iterable[Tutorial] | None = None) -> tuple[GoldenCase, ...]:
    """The golden cases of ``tutorials`` (default: every built-in tutorial)."""
    if tutorials is None:
        tutorials = [load_tutorial(name) for name in tutorial_names()]
    return tuple(
        GoldenCase(tutorial.spec or tutorial.name, tutorial.name, seed, label, dict(overrides))
        for tutorial in tutorials
        for label, overrides in tutorial.golden_cases.items()
        for seed in tutorial.golden_seeds
    )


def label(record: Record) -> str:
    """How a diff names a run: tutorial, seed, and the config fields it changes from defaults."""
    tutorial, _ = tutorial_of(record)
    defaults = tutorial.Config().to_dict()
    changed = [f" {k}={v}" for k, v in record.config.items() if defaults.get(k) != v]
    return f"{record.tutorial} seed={record.seed}" + "".join(changed)


def ulps_at_value(first: float, second: float) -> int:
    """How many float32 values lie between ``first`` and ``second`` (0 when bit-identical)."""
    ordered = []
    for value in (first, second):
        bits = int(np.float32(value).view(np.int32))
        # Negative floats count down from the sign bit; map them so the integer order is the
        # float order and +0 and -0 coincide.
        ordered.append(bits if bits >= 0 else -(bits & 0x7FFFFFFF))
    return abs(ordered[0] - ordered[1])


@dataclass(frozen=True)
class GoldenDiff:
    """How a fresh run departs from its golden; ``render()`` gives the human-readable form."""

    label: str
    step: int
    """First differing step (1-based); 0 means an initial value already differs."""
    golden: Record
    current: Record
    what: str
    """``"feeds"``, ``"initial"`` or ``"steps"``: what differs first."""

    def render(self) -> str:
        g, c = self.golden, self.current
        lines = [f"{self.label}: {self._headline()}"]
        if self.what == "feeds":
            lines.append(
                "  the feeds differ (the tutorial's data or NumPy's legacy RandomState stream "
                "changed), so no step can be compared"
            )
        elif self.what == "initial":
            for name in g.initial:
                trajectory = g.variables[name]
                line = _value_line(f"{name}0", g.initial[name], c.initial[name], trajectory)
                lines.append("  " + line)
        else:
            for name, values in g.quantities().items():
                lines.append(
                    "  "
                    + _value_line(
                        name, values[self.step - 1], c.quantities()[name][self.step - 1], values
                    )
                )
            for name, values in g.quantities().items():
                mine, theirs = values, c.quantities()[name]
                differ = (_bits(mine) != _bits(theirs)).reshape(len(mine), -1).any(axis=1)
                if differ.any():
                    gaps = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
                    worst = gaps.reshape(len(mine), -1).max(axis=1) / scale_ulp(mine)
                    count = int(np.count_nonzero(differ))
                    steps = "1 step differs" if count == 1 else f"{count} steps differ"
                    lines.append(
                        f"  {name} over all {g.steps} steps: {steps}, worst by "
                        f"{worst.max():g} ulp at step {int(np.argmax(worst)) + 1}"
                    )
        lines.append(f"  golden made with {_versions(g)}; current run with {_versions(c)}")
        return "\n".join(lines)

    def _headline(self) -> str:
        if self.what == "feeds":
            return "feeds differ"
        if self.what == "initial":
            return "initial values differ (step 0)"
        return f"first differing step {self.step} of {self.golden.steps}"


def diff_records(golden: Record, current: Record) -> GoldenDiff | None:
    """None when ``current`` reproduces ``golden`` bit for bit, else where and how it departs."""
    if golden.tutorial != current.tutorial or golden.config != current.config:
        raise ValueError("a golden can only be compared with a run of its own tutorial and config")
    name = label(golden)
    problem = golden.same_inputs(current)
    if problem is not None and "feeds" in problem:
        return GoldenDiff(name, 0, golden, current, "feeds")
    if problem is not None:
        return GoldenDiff(name, 0, golden, current, "initial")
    first: int | None = None
    for quantity, values in golden.quantities().items():
        theirs = current.quantities().get(quantity)
        if theirs is None or theirs.shape != values.shape:
            return GoldenDiff(name, 1, golden, current, "steps")
        differ = (_bits(values) != _bits(theirs)).reshape(len(values), -1).any(axis=1)
        if differ.any():
            step = int(np.argmax(differ)) + 1
            first = step if first is None else min(first, step)
    if first is None:
        return None
    return GoldenDiff(name, first, golden, current, "steps")


def golden_files(directory: Path) -> list[Path]:
    """The golden records in ``directory``, in a stable order (hidden files, such as the
    manifest ``tf1repro.files.publish`` keeps, are not goldens)."""
    return sorted(path for path in directory.glob("*.json") if not path.name.startswith("."))


def rerun(golden: Record) -> Record:
    """Train the golden's tutorial, config and seed again on the installed TensorFlow."""
    tutorial, config = tutorial_of(golden)
    return train(tutorial, config, golden.seed)


def check(
    goldens: Sequence[Record], *, progress: Progress | None = None
) -> list[tuple[Record, GoldenDiff | None]]:
    """Rerun every golden; return each golden with its diff (None when equal).

    ``progress(done, total)`` is called before the first rerun and after each one.
    """
    results = []
    for done, golden in enumerate(goldens):
        if progress is not None:
            progress(done, len(goldens))
        results.append((golden, diff_records(golden, rerun(golden))))
    if progress is not None:
        progress(len(goldens), len(goldens))
    return results


def tolerated(diff: GoldenDiff) -> float | None:
    """The worst distance of ``diff`` when its tutorial tolerates it, else None.

    Only a run of another origin than the golden's (``same_origin``) is tolerated, and only
    within the tutorial's ``golden_tolerance_ulps``; differing feeds or initial values never are.
    """
    from tf1repro.compare import compare_records

    golden, current = diff.golden, diff.current
    if same_origin(golden, current) or diff.what != "steps":
        return None
    tutorial, _ = tutorial_of(golden)
    worst = compare_records(golden, current).worst
    return worst if worst <= tutorial.golden_tolerance_ulps else None


def same_origin(golden: Record, current: Record) -> bool:
    """Whether two runs come from the same TensorFlow release, CPU kernel path and CPU vendor:
    there a golden is reproduced bit for bit. A golden that does not say its CPU vendor (made
    before records said it) is of unknown origin, so its tutorial's stated tolerance applies."""
    return (
        golden.versions.get("tensorflow") == current.versions.get("tensorflow")
        and golden.platform.get("kernels") == current.platform.get("kernels")
        and "cpu" in golden.platform
        and golden.platform.get("cpu") == current.platform.get("cpu")
    )


def _bits(values: npt.ArrayLike) -> npt.NDArray[Any]:
    # Compare bit patterns, not values: -0.0 is not 0.0 here, and a NaN equals the same NaN.
    array = np.ascontiguousarray(values)
    return array.view(f"u{array.dtype.itemsize}") if array.dtype.kind == "f" else array


def _value_line(
    quantity: str, golden: npt.NDArray[Any], current: npt.NDArray[Any], trajectory: Any = None
) -> str:
    g = np.asarray(golden, dtype=np.float64).reshape(-1)
    c = np.asarray(current, dtype=np.float64).reshape(-1)
    element = int(np.argmax(np.abs(g - c))) if g.size else 0
    first, second = (float(g[element]), float(c[element])) if g.size else (0.0, 0.0)
    scale = abs(first - second) / scale_ulp(golden if trajectory is None else trajectory)
    where = f"[{element}]" if g.size > 1 else ""
    return (
        f"{quantity + where + ':':<6} golden {np.float32(first)!s:>12}  "
        f"current {np.float32(second)!s:>12}  Δ {scale:g} ulp at its scale "
        f"({ulps_at_value(first, second)} ulp at the value)"
    )


def _versions(record: Record) -> str:
    """The versions that made a record, and its kernel path when it says (see kernel_path)."""
    text = ", ".join(f"{name} {version}" for name, version in sorted(record.versions.items()))
    kernels = record.platform.get("kernels")
    text = f"{text} (kernels {kernels})" if kernels else text
    cpu = record.platform.get("cpu")
    return f"{text} on {cpu}" if cpu else text
