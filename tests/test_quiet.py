"""Quiet by default: the user sees what they asked for, not TensorFlow's start-up chatter.

TensorFlow prints notices from C++ (oneDNN, CUDA, CPU features, MLIR) and deprecation warnings
from Python, and which ones changes with every release; this check runs in the version matrix.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def test_reproduce_prints_nothing_on_stderr(
    fresh_reproductions: tuple[Path, list[subprocess.CompletedProcess[str]]],
) -> None:
    # The reproduction as a user runs it, plot included (shared with the determinism check).
    _, (result, _) = fresh_reproductions
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.count("Step #") == 40 and result.stdout.startswith("Step #5 A = [")
    assert result.stdout.splitlines()[-1].startswith("Wrote loss_comparison.png, ")


def test_verbose_lets_tensorflow_speak(verbose_run: subprocess.CompletedProcess[str]) -> None:
    assert verbose_run.returncode == 0
    # disable_v2_behavior's deprecation warning, printed by every release, hidden without --verbose
    assert "is deprecated" in verbose_run.stderr
