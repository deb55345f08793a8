"""Run unmodified TensorFlow 1 scripts on TensorFlow 2, one child process each, and record them.

* ``RunSettings``: how the scripts run (seed, timeout, interpreter, compatibility layer, jobs...),
  one frozen object, checked once;
* ``run_script(script, out, seed=..., timeout=...)``: run one script (see ``bootstrap`` for what
  the child changes so that TF1 code runs), write its run folder, return a ``ScriptRun``;
  ``run_recorded``, the same and its records;
* ``check_folder(scripts, out, ...)``: the same for every script of a folder;
* ``releases``: a folder of scripts on several TensorFlow releases, compared number by number;
* ``shards``: a folder cut into ``--shard I/N`` slices, one per machine, and their merge;
* ``diff_logs(a, b)``: compare two printed logs number by number.

Nothing here imports TensorFlow: only the child process does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tf1repro.legacy.classify import Outcome, classify
    from tf1repro.legacy.folder import check_folder, scripts_in
    from tf1repro.legacy.logdiff import LogDiff, diff_logs
    from tf1repro.legacy.runner import run_recorded, run_script
    from tf1repro.legacy.script_run import ScriptRun
    from tf1repro.legacy.settings import RunSettings

#: The module of each public name, imported on first use: the command line reads
#: ``legacy.settings`` when it builds its options, without loading the runner.
_MODULES = {
    "Outcome": "classify",
    "classify": "classify",
    "check_folder": "folder",
    "scripts_in": "folder",
    "LogDiff": "logdiff",
    "diff_logs": "logdiff",
    "run_recorded": "runner",
    "run_script": "runner",
    "ScriptRun": "script_run",
    "RunSettings": "settings",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)


__all__ = [
    "LogDiff",
    "Outcome",
    "RunSettings",
    "ScriptRun",
    "check_folder",
    "classify",
    "diff_logs",
    "run_recorded",
    "run_script",
    "scripts_in",
]
