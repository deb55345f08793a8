"""The article's figure: the logged loss of both trainers against the step."""

from __future__ import annotations

from collections.abc import Sequence

from tf1repro.record import Record
from tf1repro.tutorials.output import logged_steps, new_figure, png

PLOT_NAME = "loss_comparison.png"


def loss_comparison_png(stochastic: Record, batch: Record) -> bytes:
    """The article's two loss curves ('b-' stochastic, 'r--' batch) as PNG bytes.

    The article plots against ``range(0, 100, 5)``, one log interval early; we plot against the
    steps the losses were logged at, and add axis labels and a title.
    """
    config = stochastic.config
    curves = [
        (stochastic, "b-", "Stochastic Loss"),
        (batch, "r--", f"Batch Loss, size={batch.config['batch_size']}"),
    ]
    title = (
        f"Stochastic vs batch training of A (x·A ≈ {config['target']:g}), "
        f"learning rate {config['learning_rate']:g}, seed {stochastic.seed}"
    )
    return _png(curves, title)


def loss_png(record: Record) -> bytes:
    """One trainer's logged loss against the step."""
    config = record.config
    title = (
        f"{record.tutorial} training of A (x·A ≈ {config['target']:g}), "
        f"learning rate {config['learning_rate']:g}, seed {record.seed}"
    )
    return _png([(record, "b-", "Loss")], title)


def _png(curves: Sequence[tuple[Record, str, str]], title: str) -> bytes:
    figure = new_figure((7, 4.5))
    axes = figure.add_subplot()
    for record, style, label in curves:
        steps = list(logged_steps(record))
        axes.plot(steps, [record.value("loss", s).item() for s in steps], style, label=label)
    axes.legend(loc="upper right", prop={"size": 11})
    axes.set_xlabel("Step")
    axes.set_ylabel("Loss (on the step's batch)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return png(figure)
