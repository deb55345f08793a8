"""The article's pros and cons table, measured: many seeds per batch size, one TF1 graph each.

For every batch size, ``runs`` runs (seeds ``seed``, ``seed + 1``, ...) train together
(``vectorised``); batch size 1 is the article's stochastic trainer (one sample, elementwise
multiply), every other size its batch trainer (matmul + reduce_mean). Run r with
seed s is the run ``tf1repro reproduce --seed s`` makes. A study reports, per batch size: the
median and 5-95% band of ``A`` and of the loss at every step, the closed-form E[A_t] and
sd[A_t] (``theory``), how many steps and samples until ``A`` stays within 1% of its
least-squares optimum, the roughness of the logged loss curve, and the wall time per run; and
where each value the article printed falls in the distribution of its trainer at its step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.config import MAX_SEED, validate_seed
from tf1repro.errors import ParameterError
from tf1repro.tutorials.article import TrainConfig, targets
from tf1repro.tutorials.article.printed import (
    ARTICLE_BATCH_SIZE,
    ARTICLE_LEARNING_RATE,
    printed_values,
)
from tf1repro.tutorials.article.study.stats import (
    Spread,
    percentile_of,
    percentiles,
    settle_steps,
    total_variation,
)
from tf1repro.tutorials.article.theory import Moments, trajectory
from tf1repro.tutorials.article.vectorised import ManyRuns

#: The batch sizes of the article's question, from stochastic (1) to the whole data set (100).
DEFAULT_BATCH_SIZES = (1, 2, 5, 10, 20, 50, 100)
FORMAT = "tf1repro.tutorials.article.study/1"


@dataclass(frozen=True)
class Band:
    """Median and 5-95% band of a quantity at every step (index i = step i + 1)."""

    low: npt.NDArray[np.float64]
    median: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]

    @classmethod
    def of(cls, values: npt.NDArray[np.float32]) -> Band:
        low, median, high = percentiles(values, axis=0)
        return cls(low, median, high)

    def to_dict(self) -> dict[str, list[float]]:
        return {"p5": self.low.tolist(), "median": self.median.tolist(), "p95": self.high.tolist()}


@dataclass(frozen=True)
class BatchSizeResult:
    """What ``runs`` runs with one batch size did."""

    batch_size: int
    trainer: str
    a: Band
    loss: Band
    expected_a: npt.NDArray[np.float64]
    """E[A_t] from the closed form, pooled over the runs' data sets."""
    sd_a: npt.NDArray[np.float64]
    """sd[A_t] from the closed form, pooled likewise."""
    settled: float
    """Share of runs whose A stays within 1% of A* from some step on (within the horizon)."""
    settle_step: Spread
    samples: Spread
    """Samples processed until settled: settle step x batch size."""
    roughness: Spread
    """Total variation of the logged loss curve."""
    seconds_per_run: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_size": self.batch_size,
            "trainer": self.trainer,
            "a": self.a.to_dict(),
            "loss": self.loss.to_dict(),
            "theory": {"mean_a": self.expected_a.tolist(), "sd_a": self.sd_a.tolist()},
            "settled_share": self.settled,
            "settle_step": self.settle_step.to_dict(),
            "samples_until_settled": self.samples.to_dict(),
            "loss_roughness": self.roughness.to_dict(),
        }


@dataclass(frozen=True)
class PrintedPercentile:
    """One value the article printed, and where it falls among the study's runs."""

    trainer: str
    step: int
    a: float
    a_percentile: float
    loss: float
    loss_percentile: float


@dataclass(frozen=True)
class Study:
    config: TrainConfig
    """Steps, learning rate and logging shared by every batch size."""
    runs: int
    seed: int
    backend: str
    results: tuple[BatchSizeResult, ...]
    printed: tuple[PrintedPercentile, ...]
    """Empty unless the study covers the article's settings (batch size 1 or 20, lr 0.02)."""
    versions: dict[str, str]

    @property
    def steps(self) -> npt.NDArray[np.int64]:
        return np.arange(1, self.config.steps + 1)

    def result(self, batch_size: int) -> BatchSizeResult:
        for result in self.results:
            if result.batch_size == batch_size:
                return result
        raise KeyError(batch_size)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "runs": self.runs,
            "seeds": [self.seed, self.seed + self.runs - 1],
            "backend": self.backend,
            "config": self.config.to_dict(),
            "versions": self.versions,
            "settle_tolerance": "|A - A*| <= 1% of A*, A* = sum(x*y)/sum(x^2) of the run's data",
            "batch_sizes": [result.to_dict() for result in self.results],
            "printed_values": [dataclasses.asdict(p) for p in self.printed],
        }


def validate_batch_sizes(values: Sequence[object]) -> tuple[int, ...]:
    """Distinct batch sizes >= 1, in the order given."""
    allowed = "a non-empty list of ints >= 1, e.g. 1,2,5,10,20,50,100"
    if not values:
        raise ParameterError("batch_sizes", list(values), allowed)
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ParameterError("batch_sizes", list(values), allowed)
    return tuple(dict.fromkeys(int(v) for v in values))  # type: ignore[call-overload]


#: The most memory a study may hold (checked before it starts, see ``study_bytes``).
MAX_STUDY_BYTES = 2 * 1024**3


def study_bytes(config: TrainConfig, batch_sizes: Sequence[int], runs: int) -> int:
    """About the most memory ``run_study`` holds: per batch size, every run's ``A`` and loss
    after every step (float32) and its data (float64); and one chunk's sample indices (int64,
    chunk x steps x batch size) while it trains."""
    from tf1repro.tutorials.article.vectorised import CHUNK

    sizes = set(batch_sizes)
    kept = runs * (2 * 4 * config.steps + 8 * config.data_size) * len(sizes)
    return kept + min(runs, CHUNK) * config.steps * max(sizes) * 8


def check_study_size(config: TrainConfig, batch_sizes: Sequence[int], runs: int) -> None:
    """Refuse, before any work, a study that would need more than ``MAX_STUDY_BYTES``."""
    need = study_bytes(config, batch_sizes, runs)
    if need <= MAX_STUDY_BYTES:
        return
    low, high = 0, runs  # the most runs that fit lie in [low, high): none take no memory
    while high - low > 1:
        middle = (low + high) // 2
        fits = study_bytes(config, batch_sizes, middle) <= MAX_STUDY_BYTES
        low, high = (middle, high) if fits else (low, middle)
    what = f"about {need / 1024**3:.1f} GiB, the limit is {MAX_STUDY_BYTES / 1024**3:g} GiB"
    if low < 1:
        raise ParameterError(
            "steps",
            config.steps,
            f"small enough that one run per batch size fits in memory ({what}); lower --steps "
            "or the largest of --batch-sizes",
        )
    raise ParameterError(
        "runs",
        runs,
        f"an int in the range [1, {low}] with --steps {config.steps} and these batch sizes "
        f"(the study would hold {what})",
    )


def validate_runs(runs: object, seed: int) -> int:
    if not isinstance(runs, int) or isinstance(runs, bool) or not 1 <= runs <= MAX_SEED + 1 - seed:
        raise ParameterError("runs", runs, f"an int in the range [1, {MAX_SEED + 1 - seed}]")
    return runs


def run_study(
    config: TrainConfig,
    batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
    runs: int = 1000,
    seed: int = 0,
    *,
    backend: str = "graph",
    initial: str = "mirror",
    progress: Callable[[int], None] | None = None,
) -> Study:
    """Train ``runs`` seeds per batch size and summarise them (see the module docstring).

    ``config`` supplies steps, learning rate and logging; its batch size is ignored. Every
    batch size uses the same seeds, so runs with the same seed share data and initial ``A``:
    the single-run graph's, computed without TensorFlow (``initial="mirror"``) or drawn by
    TensorFlow (``"graph"``); the same bits either way.
    """
    from tf1repro.tutorials.article.vectorised import train_many
    from tf1repro.tutorials.article.vectorised.initial import (
        graph_initial_values,
        mirror_initial_values,
    )

    if initial not in ("mirror", "graph"):
        raise ParameterError("initial", initial, "one of mirror, graph")
    seed = validate_seed(seed)
    runs = validate_runs(runs, seed)
    sizes = validate_batch_sizes(batch_sizes)
    check_study_size(config, sizes, runs)
    seeds = np.arange(seed, seed + runs, dtype=np.int64)
    a0: dict[str, npt.NDArray[np.float32]] = {}
    results = []
    many_by_size: dict[int, ManyRuns] = {}
    for size in sizes:
        trainer = "stochastic" if size == 1 else "batch"
        sized = dataclasses.replace(config, batch_size=size)
        if trainer not in a0:
            a0[trainer] = (
                mirror_initial_values(trainer, seeds)
                if initial == "mirror"
                else graph_initial_values(trainer, sized, seeds)
            )
        many = train_many(trainer, sized, seeds, backend=backend, a0=a0[trainer], progress=progress)
        many_by_size[size] = many
        results.append(_summarise(size, trainer, sized, many))
    printed = _printed_percentiles(config, many_by_size)
    uses_tensorflow = backend == "graph" or initial == "graph"
    return Study(config, runs, seed, backend, tuple(results), printed, _versions(uses_tensorflow))


def _summarise(size: int, trainer: str, config: TrainConfig, many: ManyRuns) -> BatchSizeResult:
    moments = Moments.of(many.x, targets(config))
    theory = trajectory(moments, config.learning_rate, size, config.steps).pooled()
    settle = settle_steps(many.a, moments.optimum)
    logged = np.asarray(config.logged_steps) - 1
    return BatchSizeResult(
        batch_size=size,
        trainer=trainer,
        a=Band.of(many.a),
        loss=Band.of(many.loss),
        expected_a=theory.mean,
        sd_a=np.sqrt(theory.variance),
        settled=float(np.isfinite(settle).mean()),
        settle_step=Spread.of(settle),
        samples=Spread.of(settle * size),
        roughness=Spread.of(total_variation(many.loss[:, logged])),
        seconds_per_run=many.seconds / many.runs,
    )


def _printed_percentiles(
    config: TrainConfig, many_by_size: dict[int, ManyRuns]
) -> tuple[PrintedPercentile, ...]:
    if config.learning_rate != ARTICLE_LEARNING_RATE:
        return ()
    found = []
    for value in printed_values():
        many = many_by_size.get(ARTICLE_BATCH_SIZE[value.trainer])
        if many is None or value.step > config.steps:
            continue
        column = value.step - 1
        found.append(
            PrintedPercentile(
                trainer=value.trainer,
                step=value.step,
                a=value.a,
                a_percentile=percentile_of(value.a, many.a[:, column]),
                loss=value.loss,
                loss_percentile=percentile_of(value.loss, many.loss[:, column]),
            )
        )
    return tuple(found)


def _versions(uses_tensorflow: bool) -> dict[str, str]:
    """What decided the numbers: NumPy, and TensorFlow only if it ran (importing it costs)."""
    from tf1repro import runtime

    return runtime.versions() if uses_tensorflow else {"numpy": np.__version__}
