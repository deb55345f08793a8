"""Where two backends first part: the forward fetches, a variable's gradient, or its update.

TensorFlow's migration guide compares a TF1 graph and its TF2 port by fixing every random input;
it leaves finding *where* they differ to the user. Here, at the first step where the two records
differ beyond the tolerance, both backends run that step from the same state (the graph
record's variables before it; optimizer slots as each backend's own replay left them) on that
step's feeds, and three stages are compared:

1. the fetches, read where a record reads them: after the update, both sides from the graph's
   variables after that step (the forward pass);
2. every variable's gradient before the update (for the graph, the very tensor its optimizer's
   apply op consumes);
3. every variable after the update (the optimizer).

The first of these with a difference beyond the tolerance is the diagnosis. Both forward passes
start from the same values, so a difference there is the forward pass itself, whatever the
gradients did: a port whose loss is computed another way shows in stage 1 even when its
gradient moves no variable. A wrong gradient (say, a loss summed where the original averaged,
fetched under another name) shows in stage 2, and an optimizer that is not the original's
(Keras ``Adam`` for ``tf.compat.v1.train.AdamOptimizer``) only in stage 3.

When every step agrees and an evaluation does not (after training, or an evaluation curve: a
test accuracy after every step), the evaluation is the diagnosis: training is the same, the
evaluating function is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tf1repro.backends import replay
from tf1repro.compare import EVALUATION_SUFFIX, Comparison, Deviation, compare_records, scale_ulp
from tf1repro.errors import ParameterError
from tf1repro.record import Record

if TYPE_CHECKING:
    from tf1repro.config import Config
    from tf1repro.tutorial import Tutorial

Array = npt.NDArray[Any]
#: The first replay covers this many steps, each next one ``GROWTH`` times more, up to all:
#: a port that parts at step 1 of 10,000 is found at the cost of a 2-step replay, and one
#: that agrees costs some 7% more replayed steps and a process start per round.
FIRST_STEPS = 2
GROWTH = 16
#: Stages in the order a step computes them, with how a report names them.
STAGES = (("forward", "forward fetch"), ("gradients", "gradient"), ("update", "update"))
_PLURALS = {"forward": "forward fetches", "gradients": "gradients", "update": "updates"}


@dataclass(frozen=True)
class StageGap:
    """One quantity in one stage: its distance in ulps at its scale, and the worst element."""

    stage: str
    quantity: str
    ulps: float
    element: tuple[int, ...]
    first: float
    second: float

    def to_dict(self) -> dict[str, Any]:
        from tf1repro.compare import _json_float

        return {
            "stage": self.stage,
            "quantity": self.quantity,
            "ulps": _json_float(self.ulps),
            "element": list(self.element),
            "first": _json_float(self.first),
            "second": _json_float(self.second),
        }


@dataclass(frozen=True)
class Diagnosis:
    """The first diverging step of two backends and the stage where they first differ."""

    tutorial: str
    backends: tuple[str, str]
    tolerance_ulps: float
    step: int | None
    """The first step beyond the tolerance; None when the records agree."""
    gaps: tuple[StageGap, ...] = ()
    evaluation: Deviation | None = None
    """The evaluated output (after training, or a curve) furthest beyond the tolerance, when
    every step agrees within it."""

    @property
    def agrees(self) -> bool:
        """Whether every step and every evaluation is within the tolerance."""
        return self.step is None and self.evaluation is None

    @property
    def stage(self) -> StageGap | None:
        """The first quantity of the first stage that differs beyond the tolerance."""
        for stage, _ in STAGES:
            beyond = [g for g in self.gaps if g.stage == stage and g.ulps > self.tolerance_ulps]
            if beyond:
                return max(beyond, key=lambda g: g.ulps)
        return None

    def verdict(self) -> str:
        first, second = self.backends
        if self.step is None and self.evaluation is not None:
            evaluation = self.evaluation
            quantity = evaluation.quantity.removesuffix(EVALUATION_SUFFIX)
            if quantity == evaluation.quantity:
                # A curve: evaluated after steps, the first of them beyond said.
                when = f"from step {evaluation.first_step} (the most at step {evaluation.step})"
            else:
                when = "after training"
            return (
                f"{first} and {second} agree within {self.tolerance_ulps:g} ulps at every step, "
                f"but the evaluated {quantity} differs by {evaluation.ulps:g} ulps {when}: the "
                "evaluation computes it differently"
            )
        if self.step is None:
            return f"{first} and {second} agree within {self.tolerance_ulps:g} ulps at every step"
        gap = self.stage
        if gap is None:
            return (
                f"step {self.step} differs, but not when both start it from the same state: "
                "earlier steps drifted apart within the tolerance"
            )
        name = dict(STAGES)[gap.stage]
        where = {
            "forward": "the forward pass computes it differently",
            "gradients": "the forward fetches agree; the loss or its derivative differs",
            "update": "forward fetches and gradients agree; the optimizer's update differs",
        }[gap.stage]
        if gap.stage == "update" and not any(g.stage == "gradients" for g in self.gaps):
            # A recording of a script holds no gradients: the two stages cannot be told apart.
            where = "the forward fetches agree; the gradient or the optimizer's update differs"
        beyond = [
            g.quantity for g in self.gaps if g.stage == gap.stage and g.ulps > self.tolerance_ulps
        ]
        if len(beyond) == 1:
            what = f"the {name} of {gap.quantity} differs by {gap.ulps:g} ulps"
        else:
            # Several at the same step: none of them is first, the largest is only the largest.
            listed = ", ".join(beyond[:-1]) + f" and {beyond[-1]}"
            what = (
                f"the {_PLURALS[gap.stage]} of {listed} all differ (the most, {gap.quantity}, by "
                f"{gap.ulps:g} ulps)"
            )
        return f"{what} at step {self.step}, the first step beyond the tolerance: {where}"

    def lines(self) -> list[str]:
        first, second = self.backends
        if self.step is None:
            return [f"{self.tutorial}: {self.verdict()}"]
        lines = [
            f"{self.tutorial}: {first} and {second} differ first at step {self.step} "
            f"(beyond {self.tolerance_ulps:g} ulps); that step from the same state:"
        ]
        for stage, label in STAGES:
            parts = []
            for gap in (g for g in self.gaps if g.stage == stage):
                if gap.ulps == 0:
                    parts.append(f"{gap.quantity} identical")
                else:
                    index = ",".join(map(str, gap.element))
                    parts.append(
                        f"{gap.quantity} {gap.ulps:g} ulps at [{index}] "
                        f"({first} {np.float32(gap.first)!s}, {second} {np.float32(gap.second)!s})"
                    )
            lines.append(f"  {label + ':':<15}" + ("; ".join(parts) if parts else "none"))
        lines.append(f"diagnosis: {self.verdict()}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        stage = self.stage
        return {
            "tutorial": self.tutorial,
            "backends": list(self.backends),
            "tolerance_ulps": self.tolerance_ulps,
            "step": self.step,
            "stage": "evaluation"
            if self.evaluation is not None
            else None
            if stage is None
            else stage.stage,
            "quantity": (
                self.evaluation.quantity
                if self.evaluation is not None
                else None
                if stage is None
                else stage.quantity
            ),
            "verdict": self.verdict(),
            "gaps": [gap.to_dict() for gap in self.gaps],
        }


def diagnose(
    record: Record,
    backend: str = "eager",
    *,
    other: Record | None = None,
    tolerance_ulps: float = 0.0,
    verbose: bool = False,
) -> Diagnosis:
    """Diagnose ``backend``'s replay of the graph ``record`` (or ``other``, if already made)."""
    if other is None:
        record, other = first_parting(record, _replayer(backend, verbose), tolerance_ulps)
    return _diagnosed(record, other, tolerance_ulps, verbose)


def diagnose_tutorial(
    tutorial: Tutorial,
    config: Config,
    seed: int = 0,
    backend: str = "eager",
    *,
    tolerance_ulps: float = 0.0,
    verbose: bool = False,
) -> Diagnosis:
    """Diagnose ``backend`` against ``tutorial``'s graph trained with ``config`` and ``seed``,
    training the graph only as far as the replays need: a port that parts at step 1 of 10,000
    costs a 2-step run on both sides, not a 10,000-step graph run first."""
    from tf1repro.backends import train

    record, other = _first_parting(
        lambda steps: train(tutorial, config, seed, first_steps=steps),
        config.steps,
        _replayer(backend, verbose),
        tolerance_ulps,
    )
    return _diagnosed(record, other, tolerance_ulps, verbose)


def _replayer(backend: str, verbose: bool) -> Callable[[Record], Record]:
    options = {"verbose": verbose} if backend == "eager" else {}
    return lambda record: replay(record, backend, **options)


def _diagnosed(record: Record, other: Record, tolerance_ulps: float, verbose: bool) -> Diagnosis:
    comparison = compare_records(record, other)
    backends = (record.backend, other.backend)
    step = comparison.first_beyond(tolerance_ulps, record, other)
    if step is None:
        worst = worst_evaluation(comparison, tolerance_ulps)
        return Diagnosis(record.tutorial, backends, tolerance_ulps, None, evaluation=worst)
    before, after = step_states(record, step)
    mine = _probe(record, record.backend, step, before, after, verbose)
    theirs = _probe(record, other.backend, step, before, after, verbose)
    gaps = stage_gaps(record, mine, theirs)
    return Diagnosis(record.tutorial, backends, tolerance_ulps, step, gaps)


def worst_evaluation(comparison: Comparison, tolerance_ulps: float) -> Deviation | None:
    """The evaluated output (after training, or a curve) furthest beyond the tolerance."""
    beyond = [d for d in comparison.deviations if d.evaluated and d.ulps > tolerance_ulps]
    return max(beyond, key=lambda d: d.ulps, default=None)


def first_parting(
    record: Record, replayed: Callable[[Record], Record], tolerance_ulps: float
) -> tuple[Record, Record]:
    """Replay ever longer prefixes of ``record`` (``FIRST_STEPS``, then ``GROWTH`` times more)
    and stop at the first in which the two part beyond the tolerance. Returns that prefix (or
    ``record`` itself, evaluations included, when none parts) and its replay."""
    return _first_parting(
        lambda steps: record if steps >= record.steps else _prefix(record, steps),
        record.steps,
        replayed,
        tolerance_ulps,
    )


def _first_parting(
    prefix: Callable[[int], Record],
    total: int,
    replayed: Callable[[Record], Record],
    tolerance_ulps: float,
) -> tuple[Record, Record]:
    """``first_parting`` over the prefixes ``prefix(steps)`` of a run of ``total`` steps
    (``prefix(total)`` is the whole run, evaluations included)."""
    steps = FIRST_STEPS
    while True:
        steps = min(steps, total)
        first = prefix(steps)
        other = replayed(first)
        if steps == total:
            return first, other
        if compare_records(first, other).first_beyond(tolerance_ulps, first, other):
            return first, other
        steps *= GROWTH


def _prefix(record: Record, steps: int) -> Record:
    """``record``'s first ``steps`` steps (what is evaluated after the last, and the curves,
    are left out: the whole record compares them)."""
    return replace(
        record,
        feeds={name: values[:steps] for name, values in record.feeds.items()},
        variables={name: values[:steps] for name, values in record.variables.items()},
        fetches={name: values[:steps] for name, values in record.fetches.items()},
        trainers=record.trainers[:steps],
        evaluation_feeds={},
        evaluations={},
        curve_feeds={},
        curves={},
    )


def step_states(record: Record, step: int) -> tuple[dict[str, Array], dict[str, Array]]:
    """``record``'s variables before and after ``step``: where both sides of a diagnosis start
    that step, and where both read its fetches."""
    before = (
        dict(record.initial)
        if step == 1
        else {name: values[step - 2] for name, values in record.variables.items()}
    )
    return before, {name: values[step - 1] for name, values in record.variables.items()}


def stage_gaps(
    record: Record,
    mine: Mapping[str, Mapping[str, Array]],
    theirs: Mapping[str, Mapping[str, Array]],
) -> tuple[StageGap, ...]:
    """Every quantity both sides computed in each stage, at ``record``'s scales (a
    gradient at its own)."""
    scales = {name: scale_ulp(values) for name, values in record.quantities().items()}
    order = list(record.quantities())
    gaps = []
    for stage, _ in STAGES:
        for name in sorted(mine.get(stage, {}), key=order.index):
            if name in theirs.get(stage, {}):
                scale = scale_ulp(mine[stage][name]) if stage == "gradients" else scales[name]
                gaps.append(_gap(stage, name, mine[stage][name], theirs[stage][name], scale))
    return tuple(gaps)


def _probe(
    record: Record,
    backend: str,
    step: int,
    state: Mapping[str, Array],
    after: Mapping[str, Array],
    verbose: bool,
) -> dict[str, dict[str, Array]]:
    if backend == "graph":
        from tf1repro.backends import graph

        return graph.probe(record, step, state, after)
    if backend == "numpy":
        from tf1repro.backends import numpy as numpy_backend

        return numpy_backend.probe(record, step, state, after)
    if backend == "eager":
        from tf1repro.backends import eager

        return eager.probe(record, step, state, after, verbose=verbose)
    raise ParameterError("backend", backend, "one of graph, eager, numpy")


def _gap(stage: str, name: str, first: Array, second: Array, unit: float) -> StageGap:
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    if a.shape != b.shape:
        return StageGap(stage, name, float("inf"), (), float("nan"), float("nan"))
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore", over="ignore"):
        gaps = np.where(same, 0.0, np.abs(a - b) / unit)
    gaps = np.where(~same & ~(np.isfinite(a) & np.isfinite(b)), np.inf, gaps)
    if gaps.size == 0:
        return StageGap(stage, name, 0.0, (), 0.0, 0.0)
    index = np.unravel_index(int(np.argmax(gaps)), gaps.shape)
    element = tuple(int(i) for i in index)
    return StageGap(stage, name, float(gaps[index]), element, float(a[index]), float(b[index]))
