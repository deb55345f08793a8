"""Run one legacy script in a child process and record what happened.

The script runs under ``bootstrap.py`` in a fresh interpreter, in its own process group, so
that it can neither see nor change this process's state, and a timeout can stop it together with
anything it started. Everything the child writes goes to a private staging folder first; the run
folder is then written all at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tf1repro.files import write_atomically
from tf1repro.legacy import bootstrap
from tf1repro.legacy.classify import classify
from tf1repro.legacy.record import (
    RECORD_FILE,
    STDERR_FILE,
    STDOUT_FILE,
    TF_LOG_FILE,
    ScriptRun,
)

#: How long a stopped child gets to dump its stack before the process group is killed.
STACK_GRACE_SECONDS = 3.0


def run_script(
    script: Path,
    out: Path,
    *,
    seed: int | None = None,
    timeout: float = 600.0,
    args: Sequence[str] = (),
    python: str | None = None,
) -> ScriptRun:
    """Run ``script`` with ``args`` in a child interpreter and write its run folder ``out``.

    ``out`` receives ``run.json`` (a ``ScriptRun``), ``stdout.txt``, ``stderr.txt``,
    ``tensorflow.log`` and the ``figure_NN.png`` files. ``python`` is the interpreter to use
    (default: this one), e.g. one from a virtualenv with another TensorFlow release.
    """
    staging = Path(tempfile.mkdtemp(prefix="tf1repro-legacy-"))
    try:
        exit_code, timed_out, seconds = _run_child(
            [
                python or sys.executable,
                bootstrap.__file__,
                str(staging),
                "" if seed is None else str(seed),
                str(script.resolve()),
                *args,
            ],
            staging,
            _child_environment(seed),
            timeout,
        )
        info = _read_info(staging)
        stack = _read_text(staging / bootstrap.STACK_FILE)
        outcome = classify(
            exit_code=exit_code,
            exception=info.get("exception"),
            timed_out=timed_out,
            timeout=timeout,
            stack=stack,
            script=str(script.resolve()),
        )
        figures = [name for name in info.get("figures", []) if (staging / name).is_file()]
        run = ScriptRun(
            script=str(script),
            args=list(args),
            seed=seed,
            timeout=timeout,
            status=outcome.status,
            kind=outcome.kind,
            reason=outcome.reason,
            line=outcome.line,
            exit_code=exit_code,
            seconds=round(seconds, 3),
            figures=figures,
            versions=info.get("versions", {}),
        )
        files = {
            out / name: (staging / name).read_bytes()
            for name in (STDOUT_FILE, STDERR_FILE, TF_LOG_FILE, *figures)
            if (staging / name).is_file()
        }
        files[out / RECORD_FILE] = run.to_json().encode()
        write_atomically(files)
        _remove_stale_figures(out, keep=set(figures))
        return run
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run_child(
    command: list[str], staging: Path, env: dict[str, str], timeout: float
) -> tuple[int | None, bool, float]:
    """Run the child with fd 1 and 2 on files; return (exit code, timed out, seconds)."""
    with (
        open(staging / STDOUT_FILE, "wb") as stdout,
        open(staging / TF_LOG_FILE, "ab") as stderr,
    ):
        start = time.monotonic()
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=env,
            start_new_session=True,
        )
        try:
            code: int | None = child.wait(timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _dump_stack(child, staging / bootstrap.STACK_FILE)
            code, timed_out = None, True
        finally:
            # Whatever the script left running in its group goes with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        return code, timed_out, time.monotonic() - start


def _dump_stack(child: subprocess.Popen[bytes], stack: Path) -> None:
    """Ask the child for its stack (SIGUSR1, see bootstrap) and wait until it is written."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.pid, signal.SIGUSR1)
    deadline = time.monotonic() + STACK_GRACE_SECONDS
    size = 0
    while time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
        # The dump is many small writes: done once it has stopped growing.
        previous, size = size, stack.stat().st_size if stack.is_file() else 0
        if size > 0 and size == previous:
            return


def _child_environment(seed: int | None) -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    if seed is not None:
        # Set and dict-of-str iteration order then repeats from run to run as well.
        env["PYTHONHASHSEED"] = str(seed)
    return env


def _read_info(staging: Path) -> dict[str, Any]:
    try:
        info: dict[str, Any] = json.loads((staging / bootstrap.INFO_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return info


def _read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _remove_stale_figures(out: Path, keep: set[str]) -> None:
    """Figures from an earlier run into the same folder would pass for this run's."""
    for path in out.glob("figure_*.png"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
