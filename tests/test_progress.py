"""Signs of life on a terminal: the commands that work through many items draw a progress bar
on stderr when it is a terminal (a pseudo-terminal here), and never in a pipe or a file."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
from io import StringIO
from pathlib import Path

import pytest
from conftest import ROOT

GOLDENS = ("02-05-regression-seed0.json", "02-05-regression-seed1.json")


def run(argv: list[str], cwd: Path, *, terminal: bool, module: bool = True) -> tuple[int, str, str]:
    """``python -m tf1repro ARGV`` (``python ARGV`` unless ``module``) with stderr on a
    pseudo-terminal (or a pipe); returns the exit code, what reached stderr and stdout."""
    command = [sys.executable, *(["-m", "tf1repro"] if module else []), *argv]
    if not terminal:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
        return done.returncode, done.stderr, done.stdout
    master, slave = pty.openpty()
    # A terminal of 24 rows, 100 columns: a new pseudo-terminal has 0 columns, too few to draw.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    child = subprocess.Popen(
        command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert child.stdout is not None
    stdout = child.stdout.read().decode()
    return child.wait(timeout=600), seen.decode(errors="replace"), stdout


# A long run's bar while TensorFlow's stderr is captured (as it is for every graph session):
# the bar still reaches the terminal, and what the capture holds does not.
CAPTURED_RUN = r"""
import sys
from tf1repro import runtime
from tf1repro.cli.progress import LONG_RUN_STEPS, step_bar
runtime.configure(verbose=False)
advance = step_bar(enabled=True)
with runtime._quiet_stderr():
    print("a notice of TensorFlow's", file=sys.stderr, flush=True)
    for step in range(1, LONG_RUN_STEPS + 1):
        advance(step, LONG_RUN_STEPS)
"""


def test_a_long_runs_bar_reaches_the_terminal_while_tensorflows_stderr_is_captured() -> None:
    code, stderr, _ = run(["-c", CAPTURED_RUN], ROOT, terminal=True, module=False)
    assert code == 0, stderr
    assert "20000/20000 [" in stderr and "step/s" in stderr, stderr
    assert "a notice" not in stderr


def _scripts(folder: Path, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"s{number}.py").write_text(f"print({number})\n")
    return folder


@pytest.mark.parametrize("terminal", [True, False])
def test_legacy_check_counts_its_scripts_on_a_terminal_only(tmp_path: Path, terminal: bool) -> None:
    folder = _scripts(tmp_path / "scripts", 3)
    argv = ["legacy", "check", str(folder), "--out", str(tmp_path / "out"), "--fresh"]
    code, stderr, stdout = run([*argv, "--jobs", "2"], ROOT, terminal=terminal)
    assert code == 0, stderr
    assert "3 scripts: 3 ok" in stdout and "legacy check" not in stdout
    if terminal:
        assert "legacy check:" in stderr and "3/3 [" in stderr and "script/s" in stderr, stderr
    else:
        assert stderr == ""


@pytest.mark.slow  # each release's preloaded interpreter imports TensorFlow
def test_legacy_matrix_counts_runs_over_every_release(tmp_path: Path) -> None:
    folder = _scripts(tmp_path / "scripts", 2)
    pythons = ["--python", f"a={sys.executable}", "--python", f"b={sys.executable}"]
    argv = ["legacy", "matrix", str(folder), "--out", str(tmp_path / "out"), *pythons]
    code, stderr, stdout = run(argv, ROOT, terminal=True)
    assert code == 0, stderr
    assert "legacy matrix:" in stderr and "4/4 [" in stderr, stderr
    assert "2/4 [" in stderr  # release a done, b not begun: one bar counts both
    assert "legacy matrix" not in stdout


@pytest.mark.slow  # two processes that import TensorFlow
def test_golden_counts_its_records_on_a_terminal_only(tmp_path: Path) -> None:
    goldens = tmp_path / "golden"
    goldens.mkdir()
    for name in GOLDENS:
        shutil.copy(ROOT / "tests" / "golden" / name, goldens / name)
    code, stderr, stdout = run(["golden", "--dir", str(goldens)], ROOT, terminal=True)
    assert code == 0, stdout + stderr
    assert "golden:" in stderr and "2/2 [" in stderr and "run/s" in stderr, stderr
    assert "2 golden runs: 2 equal" in stdout and "golden:" not in stdout
    code, stderr, _ = run(["golden", "--dir", str(goldens)], ROOT, terminal=False)
    assert code == 0 and stderr == ""


@pytest.mark.slow  # two processes that import TensorFlow
def test_compare_counts_its_runs_on_a_terminal_only(tmp_path: Path) -> None:
    # The article's stochastic part, and its batch part at two sizes: three cases, each trained
    # on the graph, then replayed on NumPy and on eager.
    argv = ["compare", "article", "--sweep", "batch_size=1,2", "--steps", "5"]
    code, stderr, stdout = run(argv, ROOT, terminal=True)
    assert code == 0, stdout + stderr
    assert "compare:" in stderr and "3/9 [" in stderr and "9/9 [" in stderr, stderr
    assert "compare:" not in stdout
    code, stderr, stdout = run([*argv, "--json"], ROOT, terminal=True)
    assert code == 0 and "compare:" not in stderr + stdout  # --json: nothing but the JSON


def test_no_bar_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from tf1repro.cli.progress import count_bar, on_terminal

    monkeypatch.setattr(sys, "stderr", StringIO())  # a file, not a terminal
    assert not on_terminal()
    with count_bar("golden", "run") as tick:
        assert tick is None
    assert sys.stderr.getvalue() == ""


def test_a_long_run_off_a_terminal_prints_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    # A CI log: no bar, but a line every LINE_SECONDS and the run's time at the end.
    from tf1repro.cli import progress

    monkeypatch.setattr(sys, "stderr", StringIO())  # a file, not a terminal
    clock = iter(range(1000))
    monkeypatch.setattr(progress.time, "monotonic", lambda: float(next(clock)) * 3)
    advance = progress.step_bar(enabled=True, what="tf1repro reproduce")
    assert advance is not None
    total = progress.LONG_RUN_STEPS
    for step in range(1, total + 1):
        advance(step, total)
    lines = sys.stderr.getvalue().splitlines()
    # Every 500 steps the clock moves 3 s: a line every 4 such updates (>= 10 s).
    assert lines[0] == f"tf1repro reproduce: step 2000 of {total} (10%), 12 s"
    assert lines[1] == f"tf1repro reproduce: step 4000 of {total} (20%), 24 s"
    assert lines[-1] == f"tf1repro reproduce: {total} steps in 120.0 s"
    assert len(lines) == 10
    # A short run prints nothing.
    sys.stderr = StringIO()
    advance = progress.step_bar(enabled=True)
    assert advance is not None
    for step in range(1, 101):
        advance(step, 100)
    assert sys.stderr.getvalue() == ""
