"""``child.json``: what the parent learns about the run, rewritten whole at every change.

It records the versions, the exit code, the figures, the compatibility layer's settings and
substitutions and, for an uncaught exception, its summary (``output.Output.describe``): the
parent reads it even when the script was killed midway.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Outcome:
    """The facts of one run so far, and the file they are written to."""

    def __init__(self, path: Path, versions: Callable[[], dict[str, str]]) -> None:
        self.path = path
        self.versions = versions
        #: The figures saved so far (``figures.Figures`` appends to this list).
        self.figures: list[str] = []
        #: The compatibility layer's settings, as the run used them.
        self.layer: dict[str, Any] = {}
        self.substitutions: dict[str, str] = {}

    def report(self, api: str, stand_in: str) -> None:
        """Record that the script used ``api``, which TensorFlow 2 removed, and what served it
        (``""`` when nothing did)."""
        if api not in self.substitutions:
            self.substitutions[api] = stand_in
            self.write(exit_code=None)

    def write(self, exit_code: int | None, exception: dict[str, Any] | None = None) -> None:
        info = {
            "versions": self.versions(),
            "exit_code": exit_code,
            "figures": self.figures,
            "exception": exception,
            "compat": self.layer,
            "substitutions": [
                {"api": api, "stand_in": stand_in} for api, stand_in in self.substitutions.items()
            ],
        }
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(json.dumps(info, indent=1))
        os.replace(temporary, self.path)


def exit_code(stop: SystemExit) -> int:
    """The status ``sys.exit(value)`` gives the shell."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1
