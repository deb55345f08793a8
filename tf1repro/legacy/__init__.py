"""Run unmodified TensorFlow 1 scripts on TensorFlow 2, one child process each, and record them.

* ``run_script(script, out, seed=..., timeout=...)``: run one script (see ``bootstrap`` for what
  the child changes so that TF1 code runs), write its run folder, return a ``ScriptRun``;
* ``check_folder(folder, out, ...)``: the same for every ``*.py`` in a folder;
* ``diff_logs(a, b)``: compare two printed logs number by number.

Nothing here imports TensorFlow: only the child process does.
"""

from tf1repro.legacy.check import check_folder, scripts_in
from tf1repro.legacy.classify import Outcome, classify
from tf1repro.legacy.logdiff import LogDiff, diff_logs
from tf1repro.legacy.record import ScriptRun
from tf1repro.legacy.runner import run_script

__all__ = [
    "LogDiff",
    "Outcome",
    "ScriptRun",
    "check_folder",
    "classify",
    "diff_logs",
    "run_script",
    "scripts_in",
]
