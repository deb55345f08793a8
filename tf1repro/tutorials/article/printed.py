"""The numbers the article printed, as published, read from ``printed_values.csv``.

They are one draw of an unseeded run; a study places each of them in the distribution of its
trainer at its step (see ``tf1repro.tutorials.article.study``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

#: The batch size behind each of the article's trainers.
ARTICLE_BATCH_SIZE = {"stochastic": 1, "batch": 20}
#: The settings the article's values were printed with (its GradientDescentOptimizer(0.02)).
ARTICLE_LEARNING_RATE = 0.02


@dataclass(frozen=True)
class PrintedValue:
    trainer: str
    step: int
    a: float
    loss: float

    @property
    def batch_size(self) -> int:
        return ARTICLE_BATCH_SIZE[self.trainer]


def printed_values() -> list[PrintedValue]:
    """Both trainers' printed ``A`` and loss at steps 5, 10, ..., 100, in the article's order."""
    text = resources.files(__package__).joinpath("printed_values.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(_data_lines(text))))
    return [
        PrintedValue(row["trainer"], int(row["step"]), float(row["a"]), float(row["loss"]))
        for row in rows
    ]


def _data_lines(text: str) -> list[str]:
    return [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
