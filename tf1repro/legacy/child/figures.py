"""Figures: matplotlib uses Agg (set by the parent); ``plt.show()`` saves each open figure as
``figure_NN.png`` in the staging folder and closes it; figures still open at the end are saved
too."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any


class Figures:
    """The figures of one run: ``saved`` lists their file names, in order."""

    def __init__(self, folder: Path, pattern: str, saved: list[str]) -> None:
        self.folder = folder
        self.pattern = pattern
        self.saved = saved
        self.patched = False

    def watch(self) -> None:
        """After each import: patch ``pyplot.show`` once pyplot has finished loading (not from
        an import nested inside it)."""
        if self.patched:
            return
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None and not getattr(pyplot.__spec__, "_initializing", False):
            self.patched = True

            @functools.wraps(pyplot.show)
            def show(*args: Any, **kwargs: Any) -> None:
                self.save()

            pyplot.show = show  # type: ignore[attr-defined]

    def save(self) -> None:
        """Save each open figure as the next ``figure_NN.png``, then close it, as a window would."""
        pyplot: Any = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in pyplot.get_fignums():
            name = self.pattern.format(len(self.saved) + 1)
            pyplot.figure(number).savefig(self.folder / name, format="png")
            self.saved.append(name)
        pyplot.close("all")
