"""The study's figure: median and 5-95% band of A and of the loss against the step, one colour
per batch size, with the closed-form E[A_t] and the article's printed values on top."""

from __future__ import annotations

from tf1repro.tutorials.article.study import Study
from tf1repro.tutorials.output import new_figure, png


def study_png(study: Study) -> bytes:
    """PNG bytes against the step: A (top); A - E[A_t] with the closed-form 5-95% range
    (middle, where batch sizes differ); the loss on a log scale (bottom)."""
    from matplotlib import colormaps

    figure = new_figure((11, 12))
    steps = study.steps
    top, middle, bottom = figure.subplots(3, 1, sharex=True, height_ratios=(1.1, 1, 1))
    palette = colormaps["viridis"]
    count = len(study.results)
    colours = {}
    for i, result in enumerate(study.results):
        colour = palette(0.9 * i / max(count - 1, 1))
        colours[result.batch_size] = colour
        label = f"batch {result.batch_size}" + (
            " (stochastic)" if result.trainer == "stochastic" else ""
        )
        for axes, band in ((top, result.a), (bottom, result.loss)):
            axes.fill_between(steps, band.low, band.high, color=colour, alpha=0.1, linewidth=0)
            axes.plot(steps, band.median, color=colour, linewidth=1.6, label=label)
        # The spread is what the batch size changes; on a log scale the sizes separate.
        middle.plot(steps, (result.a.high - result.a.low) / 2, color=colour, linewidth=1.6)
        # For a normal distribution, half the 5-95% range is 1.645 sd.
        middle.plot(steps, 1.645 * result.sd_a, color=colour, linewidth=1.2, linestyle="--")
    top.plot(
        steps,
        study.results[0].expected_a,
        color="black",
        linestyle="--",
        linewidth=1.4,
        label="E[A_t], closed form",
    )
    marks = {"stochastic": ("o", 1), "batch": ("s", 20)}
    for trainer, (marker, size) in marks.items():
        points = [p for p in study.printed if p.trainer == trainer]
        if not points:
            continue
        label = f"article's printed {trainer} run (batch {size})"
        style = dict(
            marker=marker,
            s=34,
            color=colours.get(size, "red"),
            edgecolors="red",
            linewidths=1.2,
            zorder=5,
            label=label,
        )
        top.scatter([p.step for p in points], [p.a for p in points], **style)
        bottom.scatter([p.step for p in points], [p.loss for p in points], **style)

    middle.set_yscale("log")
    middle.set_ylabel("spread of A (log scale)")
    middle.set_title(
        "Spread of A: half the simulated 5-95% band (solid) vs 1.645 sd from the closed-form "
        "Var[A_t] (dashed)",
        fontsize=10,
    )
    top.set_ylabel("A (after the step)")
    top.axhline(study.config.target, color="grey", linewidth=0.8, linestyle=":")
    bottom.set_ylabel("loss on the step's batch (log scale)")
    bottom.set_yscale("log")
    bottom.set_xlabel("step")
    for axes in (top, middle, bottom):
        axes.grid(alpha=0.3)
        axes.set_xlim(1, steps[-1])
    top.legend(loc="lower right", fontsize=9, ncol=2)
    top.set_title(
        f"{study.runs} runs per batch size: median (line) and 5-95% band (shade); "
        f"learning rate {study.config.learning_rate:g}",
        fontsize=11,
    )
    figure.tight_layout()
    return png(figure)
