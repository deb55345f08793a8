"""The suite on both CPU kernel paths of one release at once, each in a process of its own.

A release is checked twice: on TensorFlow's default kernels (oneDNN on x86-64 Linux) and on
Eigen's alone (``TF_ENABLE_ONEDNN_OPTS=0``, read once when TensorFlow is imported, so a process
has one path). Most of a suite run is one thread of Python and the separate processes its tests
start, so on a machine with two cores or more the two runs side by side take little longer than
one. Each child is ``python -m tools.matrix run`` for one path (in the same working directory,
with the same PYTHONPATH, so it finds this tooling as its parent did) and writes its own result
file; their reports are printed whole, one after the other, when both have ended. The second
path runs the checks whose outcome can depend on the kernels (``Check.kernel_dependent``); the
others would only repeat the default path's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tf1repro import files

#: The label suffix and environment of the second path (see tf1repro.kernel_path).
OFF_SUFFIX = "-onednn-off"
#: How long an interrupted child may take to stop on its own (pytest ends its tests, the
#: tests stop their processes) before its whole process group is killed.
STOP_GRACE_SECONDS = 10.0
#: How often the runs are looked at, to say when each one ends.
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class PathRun:
    """One kernel path's run: its label in the report, where it writes, its environment."""

    label: str
    out: Path
    onednn: bool

    def command(self, tests: Path) -> list[str]:
        return [
            sys.executable, "-m", "tools.matrix", "run",
            "--tests", str(tests), "--release", self.label, "--out", str(self.out),
            *([] if self.onednn else ["--kernel-checks-only"]),
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
        if not self.onednn:
            env["TF_ENABLE_ONEDNN_OPTS"] = "0"
        return env


def path_runs(release: str, out: Path) -> tuple[PathRun, PathRun]:
    """The default path as ``release`` into ``out``, oneDNN off as ``release-onednn-off`` into
    ``out``'s name with the same suffix (``tf-2.21.json``, ``tf-2.21-onednn-off.json``)."""
    off = out.with_name(f"{out.stem}{OFF_SUFFIX}{out.suffix}")
    return PathRun(release, out, onednn=True), PathRun(release + OFF_SUFFIX, off, onednn=False)


def run_both(tests: Path, runs: tuple[PathRun, ...]) -> int:
    """Run every path's suite at once; print each report when all have ended; 0 when every
    run passed, else the first failing run's exit code (1 for failed checks)."""
    with files.scratch_dir("matrix") as scratch, _children() as children:
        logs = []
        for run in runs:
            log = scratch / f"{run.label}.log"
            with open(log, "wb") as output:
                children.append(
                    subprocess.Popen(
                        run.command(tests),
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        env=run.environment(),
                        # Ctrl-C on the terminal reaches this process only, which stops them.
                        start_new_session=True,
                    )
                )
            logs.append(log)
        start = time.monotonic()
        labels = ", ".join(run.label for run in runs)
        print(f"Running the suite on {len(runs)} kernel paths side by side: {labels}", flush=True)
        codes: list[int | None] = [None] * len(runs)
        while None in codes:
            for index, child in enumerate(children):
                if codes[index] is None and (code := child.poll()) is not None:
                    codes[index] = code
                    elapsed = time.monotonic() - start
                    print(f"{runs[index].label}: ended after {elapsed:.0f} s", flush=True)
            time.sleep(POLL_SECONDS)
        ended = [code for code in codes if code is not None]
        for run, log, code in zip(runs, logs, ended, strict=True):
            print(f"\n===== {run.label} (exit {code}) =====", flush=True)
            sys.stdout.buffer.write(log.read_bytes())
            sys.stdout.flush()
    failed = [code if code > 0 else 1 for code in ended if code != 0]
    return failed[0] if failed else 0


@contextlib.contextmanager
def _children() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The children started within; on the way out (Ctrl-C, SIGTERM, an error) each that is
    still running gets SIGINT, as Ctrl-C would give it, then its process group is killed."""
    children: list[subprocess.Popen[bytes]] = []
    try:
        yield children
    finally:
        running = [child for child in children if child.poll() is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(deadline - time.monotonic(), 0.0))
            # Whatever is left in its group (a test's own processes) goes with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
