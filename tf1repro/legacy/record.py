"""The record of one legacy script run (``run.json``), and the files that sit beside it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RECORD_FILE = "run.json"
STDOUT_FILE = "stdout.txt"
"""What the script printed on standard output."""
STDERR_FILE = "stderr.txt"
"""What the script wrote to ``sys.stderr``: its warnings, and the traceback if it failed."""
TF_LOG_FILE = "tensorflow.log"
"""TensorFlow's own noise: C++ logs, its Python logger, warnings raised inside TF/Keras/absl."""


@dataclass(frozen=True)
class ScriptRun:
    """How one script ran: outcome, timing, figures, and the versions it ran on."""

    script: str
    """The script as given on the command line."""
    args: list[str]
    """Arguments passed to the script (its ``sys.argv[1:]``)."""
    seed: int | None
    """The ``--seed`` it was started with, or None when it ran unseeded."""
    timeout: float
    status: str
    """``ok``, ``failed`` or ``timeout``."""
    kind: str
    """``ok``, or why not: ``contrib``, ``positional-arguments``, ``network``, ``timeout``..."""
    reason: str
    """One line explaining a failure (empty when ok)."""
    line: int | None
    """The script's line where it failed or was stopped, when known."""
    exit_code: int | None
    """The child's exit status (negative: killed by that signal; None: stopped at the timeout)."""
    seconds: float
    """Wall time of the child process, TensorFlow's import included."""
    figures: list[str] = field(default_factory=list)
    """PNG files saved from ``plt.show()`` and figures left open, in order."""
    versions: dict[str, str] = field(default_factory=dict)
    """Python, TensorFlow and NumPy versions of the interpreter the script ran in."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScriptRun:
        return cls(**data)

    @classmethod
    def load(cls, folder: Path) -> ScriptRun:
        return cls.from_dict(json.loads((folder / RECORD_FILE).read_text()))
