"""Signs of life for long work: a progress bar on stderr, only on a terminal, only when long."""

from __future__ import annotations

import sys
from typing import Any

from tf1repro.backends import Progress

#: Runs with at least this many steps get a bar; the article's 100 steps take a fraction of a
#: second and print nothing but the article's log.
LONG_RUN_STEPS = 20_000
#: Steps between bar updates: redrawing costs more than a small tutorial's step.
_EVERY = 500


def step_bar(*, enabled: bool) -> Progress | None:
    """A callback for ``progress(step, total)`` that draws one tqdm bar per long run."""
    if not enabled:
        return None
    bar: list[Any] = []

    def advance(step: int, total: int) -> None:
        if total < LONG_RUN_STEPS:
            return
        if step == 1:
            from tqdm import tqdm

            bar[:] = [tqdm(total=total, unit="step", file=sys.stderr, leave=False)]
        if step % _EVERY == 0 or step == total:
            bar[0].n = step
            bar[0].refresh()
        if step == total:
            bar[0].close()

    return advance
