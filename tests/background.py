"""Runs in fresh processes that the suite starts as soon as pytest has collected its tests.

Some checks must see a separate Python process, as a user starts it (the oracle script, two
reproductions compared byte for byte, ``--verbose``); each spends most of its time importing
TensorFlow. Started when collection ends, they run while the in-process tests do, and a test
that needs one waits only for what is left of it. A run starts only when a collected test uses
its fixture, so ``pytest -k something_else`` starts nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(ROOT / "scripts" / "reproduce_article.py")
ORACLE = str(ROOT / "tests" / "oracle" / "article_tf1.py")

#: The folders the two fresh reproductions write into (their closing line names them).
FRESH_RUNS = ("first", "second")
#: The oracle's (seed, batch size) in a fresh process (test_oracle.py runs another in-process).
ORACLE_CASE = (0, 20)

#: Fixture name -> the commands (``python ARGS``) it runs, side by side, in its own folder.
COMMANDS: dict[str, Callable[[], list[list[str]]]] = {
    # The article twice as a user runs it, plot included: determinism compares the two, and
    # the quiet check reads what the first printed.
    "fresh_reproductions": lambda: [[SCRIPT, "--seed", "11", "--out", n] for n in FRESH_RUNS],
    "oracle_run": lambda: [[ORACLE, *map(str, ORACLE_CASE)]],
    "verbose_run": lambda: [[SCRIPT, "--steps", "5", "--no-plot", "--verbose", "--out", "out"]],
}


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}


@dataclass
class Started:
    """Commands started at once in a private folder; their results once all have ended."""

    commands: Sequence[Sequence[str]]
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tf1repro-runs-")))
    children: list[subprocess.Popen[str]] = field(default_factory=list)
    _results: list[subprocess.CompletedProcess[str]] | None = None

    def __post_init__(self) -> None:
        for args in self.commands:
            self.children.append(
                subprocess.Popen(
                    [sys.executable, *args],
                    cwd=self.folder,
                    env=child_env(),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )

    def results(self, timeout: float = 300) -> list[subprocess.CompletedProcess[str]]:
        if self._results is None:
            done = []
            for child in self.children:
                out, err = child.communicate(timeout=timeout)
                done.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
            self._results = done
        return self._results

    def stop(self) -> None:
        """Kill what still runs and remove the folder."""
        for child in self.children:
            if child.poll() is None:
                child.kill()
            child.communicate()
        shutil.rmtree(self.folder, ignore_errors=True)


_started: dict[str, Started] = {}


def start_used(fixture_names: set[str]) -> None:
    """Start the runs of every fixture in ``fixture_names`` that has not started yet."""
    for name, commands in COMMANDS.items():
        if name in fixture_names and name not in _started:
            _started[name] = Started(commands())


def runs(name: str) -> Started:
    """The runs of fixture ``name``, started now if collection did not start them."""
    start_used({name})
    return _started[name]


def stop_all() -> None:
    for started in _started.values():
        started.stop()
    _started.clear()
