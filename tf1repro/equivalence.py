"""The three-way equivalence report: graph, NumPy reference and eager on the same randomness.

The graph backend trains each trainer once and records its Run; the reference and the eager
backends replay that Run's inputs. Every pair is compared step by step in scale-ulps
(``tf1repro.compare``) and passes when its worst deviation is within the tolerance.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tf1repro.compare import Comparison, compare_runs, scale_ulp
from tf1repro.config import TrainConfig
from tf1repro.errors import ParameterError
from tf1repro.record import Run
from tf1repro.tensorboard_logs import run_label

#: The article trains these two; the stochastic one takes no batch size, so it is run once.
TRAINERS = ("stochastic", "batch")
#: Backend pairs in the order the table lists them.
PAIRS = (("graph", "reference"), ("graph", "eager"), ("eager", "reference"))
#: Issue target: every pair within 2 scale-ulps (0 where the kernels' order is mirrored).
DEFAULT_TOLERANCE_ULPS = 2.0
DEFAULT_BATCH_SIZES = (1, 20, 100)


@dataclass(frozen=True)
class Row:
    """One compared pair of Runs and its verdict."""

    label: str
    """The trainer as the logs name it: ``stochastic`` or ``batch-<batch size>``."""
    comparison: Comparison
    tolerance_ulps: float

    @property
    def passed(self) -> bool:
        return self.comparison.within(self.tolerance_ulps)

    def to_dict(self) -> dict[str, Any]:
        c = self.comparison
        return {
            "label": self.label,
            "trainer": c.trainer,
            "backends": list(c.backends),
            "a_ulps": c.a.ulps,
            "a_step": c.a.step,
            "loss_ulps": c.loss.ulps,
            "loss_step": c.loss.step,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class Report:
    """All compared pairs; passes when every row does."""

    rows: tuple[Row, ...]
    tolerance_ulps: float
    unit: float
    """One scale-ulp in absolute terms (``np.spacing(float32(target))``)."""

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    def table(self) -> list[str]:
        """The report as aligned text lines, a verdict line last."""
        header = ("trainer", "backends", "|ΔA| ulps", "at step", "|Δloss| ulps", "at step", "")
        body = [
            (
                row.label,
                "-".join(row.comparison.backends),
                f"{row.comparison.a.ulps:g}",
                _step(row.comparison.a.step),
                f"{row.comparison.loss.ulps:g}",
                _step(row.comparison.loss.step),
                "pass" if row.passed else "FAIL",
            )
            for row in self.rows
        ]
        widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in (header, *body)
        ]
        failed = sum(not row.passed for row in self.rows)
        pairs = f"{len(self.rows)} pair" + ("s" if len(self.rows) != 1 else "")
        unit = f"1 ulp = {self.unit:.3g}"
        if failed:
            verdict = f"{failed} of {pairs} exceed {self.tolerance_ulps:g} ulps"
        else:
            verdict = f"all {pairs} within {self.tolerance_ulps:g} ulps"
        return [*lines, f"{verdict} ({unit}, float32 spacing at the target)"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tolerance_ulps": self.tolerance_ulps,
            "unit": self.unit,
            "passed": self.passed,
            "rows": [row.to_dict() for row in self.rows],
        }


def validate_tolerance(value: object) -> float:
    """A tolerance in scale-ulps: a finite number >= 0."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:  # type: ignore[arg-type, operator]
        raise ParameterError("tolerance", value, "a finite number of ulps >= 0")
    return float(value)  # type: ignore[arg-type]


def validate_batch_sizes(values: Sequence[object]) -> tuple[int, ...]:
    """Distinct batch sizes, each valid for ``TrainConfig``."""
    allowed = "a comma-separated list of distinct ints in the range [1, inf)"
    if not values or len(set(values)) != len(values):
        raise ParameterError("batch_sizes", ",".join(map(str, values)), allowed)
    for value in values:
        try:
            TrainConfig(batch_size=value)  # type: ignore[arg-type]
        except ParameterError:
            raise ParameterError("batch_sizes", ",".join(map(str, values)), allowed) from None
    return tuple(int(v) for v in values)  # type: ignore[call-overload]


def three_way(
    config: TrainConfig,
    seed: int,
    batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
    *,
    tolerance_ulps: float = DEFAULT_TOLERANCE_ULPS,
    logdir: Path | None = None,
    verbose: bool = False,
) -> Report:
    """Train on the graph backend, replay on reference and eager, compare every pair.

    The stochastic trainer runs once; the batch trainer once per batch size (``config``'s own
    batch size is ignored). With ``logdir``, every run's TensorBoard events are written there.
    """
    from tf1repro import graph, reference

    configs = [TrainConfig(**{**config.to_dict(), "batch_size": b}) for b in batch_sizes]
    trained = [("stochastic", configs[0])] + [("batch", c) for c in configs]
    graph_runs = [graph.train(trainer, c, seed) for trainer, c in trained]
    labels = [run_label(run) for run in graph_runs]
    reference_runs = [reference.replay(run) for run in graph_runs]
    eager_runs = _replay_eager(labels, graph_runs, reference_runs, logdir, verbose)

    rows = []
    for label, *runs in zip(labels, graph_runs, reference_runs, eager_runs, strict=True):
        by_backend = {run.backend: run for run in runs}
        for first, second in PAIRS:
            comparison = compare_runs(by_backend[first], by_backend[second])
            rows.append(Row(label, comparison, tolerance_ulps))
    return Report(tuple(rows), tolerance_ulps, scale_ulp(config))


def _replay_eager(
    labels: list[str],
    graph_runs: list[Run],
    reference_runs: list[Run],
    logdir: Path | None,
    verbose: bool,
) -> list[Run]:
    """The eager replays; with ``logdir``, all runs' event files are published together."""
    from tf1repro.eager import replay_eager_all
    from tf1repro.tensorboard_logs import EventLog, write_v1_events

    if logdir is None:
        return replay_eager_all(graph_runs, verbose=verbose)
    with EventLog(logdir) as log:
        eager_dirs = [log.folder(label, "eager") for label in labels]
        eager_runs = replay_eager_all(graph_runs, logdirs=eager_dirs, verbose=verbose)
        for label, graph_run, reference_run in zip(labels, graph_runs, reference_runs, strict=True):
            write_v1_events(graph_run, log.folder(label, "graph"), with_graph=True)
            write_v1_events(reference_run, log.folder(label, "reference"), with_graph=False)
        log.publish()
    return eager_runs


def recorded(runs: Sequence[Run], *, tolerance_ulps: float = DEFAULT_TOLERANCE_ULPS) -> Report:
    """Compare every pair of recorded Runs that consumed the same inputs, in the given order.

    Raises ``ValueError`` when no two of them can be compared.
    """
    rows = []
    for first, second in itertools.combinations(runs, 2):
        try:
            comparison = compare_runs(first, second)
        except ValueError:
            continue
        rows.append(Row(run_label(first), comparison, tolerance_ulps))
    if not rows:
        raise ValueError("no two of the runs have the same trainer, config and inputs")
    return Report(tuple(rows), tolerance_ulps, scale_ulp(runs[0].config))


def _step(step: int | None) -> str:
    return "-" if step is None else str(step)
