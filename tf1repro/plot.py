"""The article's figure: the logged loss of both trainers against the step."""

from __future__ import annotations

import io

from tf1repro.record import Run


def loss_comparison_png(stochastic: Run, batch: Run) -> bytes:
    """The article's two loss curves ('b-' stochastic, 'r--' batch) as PNG bytes.

    The article plots against ``range(0, 100, 5)``, one log interval early; we plot against the
    steps the losses were logged at, and add axis labels and a title.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5), dpi=100)
    axes = figure.add_subplot()
    for run, style, label in (
        (stochastic, "b-", "Stochastic Loss"),
        (batch, "r--", f"Batch Loss, size={batch.config.batch_size}"),
    ):
        steps = list(run.logged_steps)
        axes.plot(steps, [run.loss[s - 1] for s in steps], style, label=label)
    axes.legend(loc="upper right", prop={"size": 11})
    axes.set_xlabel("Step")
    axes.set_ylabel("Loss (on the step's batch)")
    config = stochastic.config
    axes.set_title(
        f"Stochastic vs batch training of A (x·A ≈ {config.target:g}), "
        f"learning rate {config.learning_rate:g}, seed {stochastic.seed}"
    )
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
