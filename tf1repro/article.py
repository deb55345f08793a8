"""The article end to end: both trainers on the graph backend, and the files it leaves behind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tf1repro import graph
from tf1repro.config import TrainConfig
from tf1repro.files import write_atomically
from tf1repro.record import Run
from tf1repro.report import article_log

#: The article trains stochastically first, then in batches, and prints in that order.
TRAINERS = ("stochastic", "batch")
PLOT_NAME = "loss_comparison.png"


def run_file_name(trainer: str) -> str:
    return f"run_{trainer}.json"


@dataclass(frozen=True)
class ArticleRuns:
    stochastic: Run
    batch: Run

    def log(self) -> list[str]:
        """The article's whole printed log: the stochastic lines, then the batch lines."""
        return article_log(self.stochastic) + article_log(self.batch)


def reproduce(config: TrainConfig | None = None, seed: int = 0) -> ArticleRuns:
    """Train both of the article's trainers in TF1 graphs, each in its own Graph and Session."""
    config = config or TrainConfig()
    return ArticleRuns(*(graph.train(trainer, config, seed) for trainer in TRAINERS))


def write_artifacts(runs: ArticleRuns, out: Path, plot: bool = True) -> list[Path]:
    """Write both Runs as JSON (and the loss plot) into ``out``, all or nothing."""
    files = {
        out / run_file_name(run.trainer): run.to_json().encode()
        for run in (runs.stochastic, runs.batch)
    }
    if plot:
        from tf1repro.plot import loss_comparison_png

        files = {out / PLOT_NAME: loss_comparison_png(runs.stochastic, runs.batch), **files}
    write_atomically(files)
    return list(files)
