"""The study as tables: the article's pros and cons restated with numbers, per batch size, and
the article's printed values placed in the distribution (terminal text and Markdown)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tf1repro.tutorials.article.study import BatchSizeResult, Study
from tf1repro.tutorials.article.study.stats import Spread


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines)

    def text(self) -> str:
        widths = [
            max(len(cell) for cell in column)
            for column in zip(self.headers, *self.rows, strict=True)
        ]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(
                cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
            ).rstrip()

        lines = [self.title, line(self.headers), line(["-" * w for w in widths])]
        lines += [line(row) for row in self.rows]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


def number(value: float, digits: int = 3, horizon: int | None = None) -> str:
    """``digits`` significant digits; an infinite step count reads ``>horizon``."""
    if math.isinf(value):
        return f">{horizon}" if horizon is not None else "inf"
    if value != 0 and abs(value) >= 10**digits:
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def spread(value: Spread, digits: int = 3, horizon: int | None = None) -> str:
    """``median [p5-p95]``."""
    parts = [number(v, digits, horizon) for v in (value.median, value.low, value.high)]
    return f"{parts[0]} [{parts[1]}-{parts[2]}]"


def tables(study: Study, *, timings: bool = False) -> list[Table]:
    """The study's tables; ``timings`` adds the wall time per run (which differs from run to
    run, so the files a study writes leave it out and stay byte-identical for one seed)."""
    found = [per_batch_size(study, timings=timings)]
    claims_table = claims(study)
    if claims_table is not None:
        found.append(claims_table)
    if study.printed:
        found.append(printed(study))
    return found


def markdown(study: Study) -> str:
    header = (
        f"## Study: {study.runs} runs per batch size (seeds {study.seed}-"
        f"{study.seed + study.runs - 1}), {study.config.steps} steps, learning rate "
        f"{study.config.learning_rate:g}, {study.backend} backend"
    )
    return "\n\n".join([header, *(t.markdown() for t in tables(study))]) + "\n"


def text(study: Study) -> str:
    """The tables as printed on the terminal, with the wall time per run."""
    return "\n\n".join(t.text() for t in tables(study, timings=True))


def per_batch_size(study: Study, *, timings: bool = False) -> Table:
    n = study.config.steps
    rows = tuple(
        (
            str(r.batch_size),
            r.trainer,
            spread(r.settle_step, horizon=n),
            f"{100 * r.settled:.0f}%",
            spread(r.samples, horizon=n * r.batch_size),
            spread(_at_last(r, "a"), digits=4),
            spread(_at_last(r, "loss")),
            spread(r.roughness),
            *([f"{1000 * r.seconds_per_run:.3g}"] if timings else []),
        )
        for r in study.results
    )
    return Table(
        title="Per batch size: median [5th-95th percentile] over runs",
        headers=(
            "batch",
            "trainer",
            "steps to stay within 1% of A*",
            f"settled by step {n}",
            "samples until settled",
            f"A at step {n}",
            f"loss at step {n}",
            "loss roughness (TV)",
            *(["ms/run"] if timings else []),
        ),
        rows=rows,
        note=(
            "A* = sum(x·y)/sum(x²) of each run's data; '>N' = not within 1% from some step on "
            "by the last step. Roughness = total variation of the loss logged every "
            f"{study.config.log_every} steps."
            + (
                f" ms/run = wall time of the vectorised {study.backend} backend divided by the "
                "runs."
                if timings
                else ""
            )
        ),
    )


def claims(study: Study) -> Table | None:
    """The article's table of pros and cons, with the study's numbers for 1 vs 20 (or the
    smallest vs the largest batch size studied)."""
    sizes = [r.batch_size for r in study.results]
    if len(sizes) < 2:
        return None
    small = study.result(1 if 1 in sizes else min(sizes))
    large = study.result(20 if 20 in sizes and small.batch_size != 20 else max(sizes))
    n = study.config.steps
    pair = f"batch {small.batch_size} vs {large.batch_size}"
    width_small = small.a.high[-1] - small.a.low[-1]
    width_large = large.a.high[-1] - large.a.low[-1]
    rows = (
        (
            "stochastic",
            "pro: escapes local minima",
            "not testable: the loss is a parabola in A with one minimum. The noise that would "
            f"help ({pair}): loss roughness {number(small.roughness.median)} vs "
            f"{number(large.roughness.median)}; 5-95% width of A at step {n} "
            f"{number(width_small)} vs {number(width_large)}",
        ),
        (
            "stochastic",
            "con: needs more iterations to converge",
            f"steps until A stays within 1% of A* ({pair}): "
            f"{spread(small.settle_step, horizon=n)} vs {spread(large.settle_step, horizon=n)}; "
            f"settled by step {n}: {100 * small.settled:.0f}% vs {100 * large.settled:.0f}%",
        ),
        (
            "batch",
            "pro: reaches the minimum loss quickly",
            f"median loss at step {n}: {number(large.loss.median[-1])} vs "
            f"{number(small.loss.median[-1])} ({large.batch_size} vs {small.batch_size}); "
            "E[A_t] is the same for every batch size (theory), batches shrink the spread: "
            f"sd[A_{n}] {number(large.sd_a[-1])} vs {number(small.sd_a[-1])}",
        ),
        (
            "batch",
            "con: uses more compute",
            f"samples until settled ({large.batch_size} vs {small.batch_size}): "
            f"{spread(large.samples, horizon=n * large.batch_size)} vs "
            f"{spread(small.samples, horizon=n * small.batch_size)}; samples per step "
            f"{large.batch_size} vs {small.batch_size}",
        ),
    )
    return Table(
        title="The article's pros and cons, measured",
        headers=("training", "the article says", "measured"),
        rows=rows,
    )


def printed(study: Study) -> Table:
    by_step: dict[int, dict[str, str]] = {}
    for p in study.printed:
        cells = by_step.setdefault(p.step, {})
        cells[f"{p.trainer} A"] = f"{p.a:.4f} ({p.a_percentile:.0f}%)"
        cells[f"{p.trainer} loss"] = f"{p.loss:.4g} ({p.loss_percentile:.0f}%)"
    columns = ("stochastic A", "stochastic loss", "batch A", "batch loss")
    present = [c for c in columns if any(c in cells for cells in by_step.values())]
    rows = tuple(
        (str(step), *(by_step[step].get(c, "") for c in present)) for step in sorted(by_step)
    )
    return Table(
        title="The article's printed values (percentile among the study's runs at that step)",
        headers=("step", *present),
        rows=rows,
        note=(
            "Stochastic = batch size 1, batch = batch size 20. A percentile near 0 or 100 "
            "would mean the article's run is unusual; its run was unseeded, so only its "
            "place in the distribution can be checked."
        ),
    )


def _at_last(result: BatchSizeResult, quantity: str) -> Spread:
    band = getattr(result, quantity)
    return Spread(float(band.low[-1]), float(band.median[-1]), float(band.high[-1]))
