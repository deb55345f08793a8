"""Run unmodified TensorFlow 1 scripts on TensorFlow 2, one child process each, and record them.

* ``run_script(script, out, seed=..., timeout=...)``: run one script (see ``bootstrap`` for what
  the child changes so that TF1 code runs), write its run folder, return a ``ScriptRun``;
* ``check_folder(scripts, out, ...)``: the same for every script of a folder;
* ``releases``: a folder of scripts on several TensorFlow releases, compared number by number;
* ``shards``: a folder cut into ``--shard I/N`` slices, one per machine, and their merge;
* ``diff_logs(a, b)``: compare two printed logs number by number.

Nothing here imports TensorFlow: only the child process does.
"""

from tf1repro.legacy.classify import Outcome, classify
from tf1repro.legacy.folder import check_folder, scripts_in
from tf1repro.legacy.logdiff import LogDiff, diff_logs
from tf1repro.legacy.runner import Layer, run_script
from tf1repro.legacy.script_run import ScriptRun

__all__ = [
    "Layer",
    "LogDiff",
    "Outcome",
    "ScriptRun",
    "check_folder",
    "classify",
    "diff_logs",
    "run_script",
    "scripts_in",
]
