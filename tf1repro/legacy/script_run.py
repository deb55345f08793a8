"""The record of one legacy script run (``run.json``), and the files that sit beside it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tf1repro import files

RECORD_FILE = "run.json"
STDOUT_FILE = "stdout.txt"
"""What the script printed on standard output."""
STDERR_FILE = "stderr.txt"
"""What the script wrote to ``sys.stderr``: its warnings, and the traceback if it failed."""
TF_LOG_FILE = "tensorflow.log"
"""TensorFlow's own noise: C++ logs, its Python logger, warnings raised inside TF/Keras/absl."""
FILES_FOLDER = "files"
"""The files the script wrote in its working folder, under their paths relative to it."""
#: The largest ``run.json`` read back: a run record is a few KiB.
RECORD_LIMIT = 16 * 1024 * 1024


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
    """The line where it failed or was stopped, when known (in ``file``)."""
    exit_code: int | None
    """The child's exit status (negative: killed by that signal; None: stopped at the timeout)."""
    seconds: float
    """Wall time of the child process, TensorFlow's import included."""
    figures: list[str] = field(default_factory=list)
    """PNG files saved from ``plt.show()`` and figures left open, in order."""
    versions: dict[str, str] = field(default_factory=dict)
    """Python, TensorFlow, NumPy (and tf-keras) versions of the interpreter the script ran in."""
    file: str | None = None
    """The file holding ``line``, relative to the script's folder: the script, or a helper
    module beside it when the failure happened there."""
    files: list[str] = field(default_factory=list)
    """Files the script created or changed in its working folder, kept under ``files/``."""
    compat: dict[str, Any] = field(default_factory=dict)
    """The compatibility layer: ``on`` (False with ``--strict``), ``legacy_keras``,
    ``soft_placement``, ``data_dir``; and ``stdin`` (True when fed a ``--stdin`` file)."""
    substitutions: list[dict[str, str]] = field(default_factory=list)
    """Each removed API the script used (``api``) and the stand-in that served it
    (``stand_in``; empty when none did, which is what to port)."""
    records: list[str] = field(default_factory=list)
    """With ``--record``: the record files of the graphs that trained, ``record_1.json``..."""
    downloads: list[dict[str, Any]] = field(default_factory=list)
    """With ``--data-cache``: each URL the script downloaded, served from the cache, in order:
    ``url``, ``file`` (in the cache), ``sha256``, ``size``."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @property
    def served(self) -> list[dict[str, str]]:
        """The substitutions a stand-in served."""
        return [entry for entry in self.substitutions if entry["stand_in"]]

    @property
    def unserved(self) -> list[str]:
        """The removed APIs the script used that nothing stands in for."""
        return [entry["api"] for entry in self.substitutions if not entry["stand_in"]]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScriptRun:
        return cls(**data)

    @classmethod
    def load(cls, folder: Path) -> ScriptRun:
        """The ``run.json`` of a run folder, through the reader: a malformed one is an
        ``files.InputError`` naming the file."""
        path = folder / RECORD_FILE
        fields = files.Fields(files.read_json(path, limit=RECORD_LIMIT), path)
        try:
            return cls.from_dict(fields.data)
        except TypeError as error:
            raise files.InputError(path, f"not a run record: {error}") from None
