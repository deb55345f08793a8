"""Golden runs: committed graph-backend Runs that every TensorFlow release must reproduce exactly.

A golden is a Run record made by ``tf1repro golden --update`` on one TensorFlow release. The
regression check retrains each golden's trainer, config and seed on the installed release and
expects the very same bits; any difference is reported as a readable diff (the first differing
step, both values, the distance in ulps, and the versions on both sides).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tf1repro import graph
from tf1repro.compare import scale_ulp
from tf1repro.config import TrainConfig
from tf1repro.files import write_atomically
from tf1repro.record import Run

SEEDS = (0, 1, 2)
"""Seeds every golden case is made with."""
BATCH_SIZES = (1, 20, 100)
"""Batch sizes for the batch trainer: a single row, the article's 20, and the whole data set."""


@dataclass(frozen=True)
class GoldenCase:
    """One golden run: a trainer, its batch size and a seed, with the article's other defaults."""

    trainer: str
    seed: int
    batch_size: int = TrainConfig.batch_size

    @property
    def config(self) -> TrainConfig:
        return TrainConfig(batch_size=self.batch_size)

    @property
    def file_name(self) -> str:
        if self.trainer == "stochastic":  # one row a step: the batch size plays no part
            return f"stochastic-seed{self.seed}.json"
        return f"{self.trainer}-bs{self.batch_size}-seed{self.seed}.json"


#: The cases ``tf1repro golden --update`` writes.
CASES = tuple(
    [GoldenCase("stochastic", seed) for seed in SEEDS]
    + [GoldenCase("batch", seed, size) for size in BATCH_SIZES for seed in SEEDS]
)


def label(run: Run) -> str:
    """How a diff names a run: trainer, seed and (for batches) the batch size."""
    text = f"{run.trainer} seed={run.seed}"
    if run.trainer != "stochastic":
        text += f" batch_size={run.config.batch_size}"
    return text


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
    """First differing step (1-based); 0 means the initial ``A`` already differs."""
    golden: Run
    current: Run
    what: str
    """``"A"``, ``"A0"`` or ``"inputs"``: what differs first."""

    def render(self) -> str:
        g, c = self.golden, self.current
        lines = [f"{self.label}: {self._headline()}"]
        if self.what == "inputs":
            lines.append(
                "  the data x or the sampled indices differ: NumPy's legacy RandomState stream "
                "changed, so no step can be compared"
            )
        elif self.what == "A0":
            lines.append("  " + _value_line("A0", float(g.a0), float(c.a0), g.config))
        else:
            i = self.step - 1
            lines.append("  " + _value_line("A", float(g.a[i]), float(c.a[i]), g.config))
            lines.append("  " + _value_line("loss", float(g.loss[i]), float(c.loss[i]), g.config))
            worst = np.abs(g.a.astype(np.float64) - c.a.astype(np.float64)) / scale_ulp(g.config)
            count = int(np.count_nonzero(_bits(g.a) != _bits(c.a)))
            values = "1 value of A differs" if count == 1 else f"{count} values of A differ"
            lines.append(
                f"  over all {g.config.steps} steps: {values}, worst by {worst.max():g} ulp "
                f"at step {int(np.argmax(worst)) + 1}"
            )
        lines.append(f"  golden made with {_versions(g)}; current run with {_versions(c)}")
        return "\n".join(lines)

    def _headline(self) -> str:
        if self.what == "inputs":
            return "inputs differ"
        if self.what == "A0":
            return "initial A differs (step 0)"
        return f"first differing step {self.step} of {self.golden.config.steps}"


def diff_runs(golden: Run, current: Run) -> GoldenDiff | None:
    """None when ``current`` reproduces ``golden`` bit for bit, else where and how it departs."""
    if golden.trainer != current.trainer or golden.config != current.config:
        raise ValueError("a golden can only be compared with a run of its own trainer and config")
    name = label(golden)
    if not (
        np.array_equal(golden.x, current.x) and np.array_equal(golden.indices, current.indices)
    ):
        return GoldenDiff(name, 0, golden, current, "inputs")
    if _bits(golden.a0) != _bits(current.a0):
        return GoldenDiff(name, 0, golden, current, "A0")
    differ = (_bits(golden.a) != _bits(current.a)) | (_bits(golden.loss) != _bits(current.loss))
    if not differ.any():
        return None
    return GoldenDiff(name, int(np.argmax(differ)) + 1, golden, current, "A")


def golden_files(directory: Path) -> list[Path]:
    """The golden Run records in ``directory``, in a stable order."""
    return sorted(directory.glob("*.json"))


def rerun(golden: Run) -> Run:
    """Train the golden's trainer, config and seed again on the installed TensorFlow."""
    return graph.train(golden.trainer, golden.config, golden.seed)


def check(paths: Iterable[Path]) -> list[tuple[Run, GoldenDiff | None]]:
    """Rerun every golden in ``paths``; return each golden with its diff (None when equal)."""
    results = []
    for path in paths:
        golden = Run.load(path)
        results.append((golden, diff_runs(golden, rerun(golden))))
    return results


def update(directory: Path, cases: Sequence[GoldenCase] = CASES) -> list[Path]:
    """Train every case on the installed TensorFlow and write its Run into ``directory``."""
    files = {
        directory / case.file_name: graph.train(case.trainer, case.config, case.seed)
        .to_json()
        .encode()
        for case in cases
    }
    write_atomically(files)
    return list(files)


def _bits(values: npt.ArrayLike) -> npt.NDArray[np.int32]:
    # Compare bit patterns, not values: -0.0 is not 0.0 here, and a NaN equals the same NaN.
    return np.asarray(values, dtype=np.float32).view(np.int32)


def _value_line(quantity: str, golden: float, current: float, config: TrainConfig) -> str:
    scale = abs(golden - current) / scale_ulp(config)
    return (
        f"{quantity + ':':<5} golden {np.float32(golden)!s:>12}  "
        f"current {np.float32(current)!s:>12}  Δ {scale:g} ulp at the problem scale "
        f"({ulps_at_value(golden, current)} ulp at the value)"
    )


def _versions(run: Run) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(run.versions.items()))
