"""Quiet by default: the user sees what they asked for, not TensorFlow's start-up chatter.

TensorFlow prints notices from C++ (oneDNN, CUDA, CPU features, MLIR) and deprecation warnings
from Python, and which ones changes with every release; this check runs in the version matrix.
"""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, run_python

SCRIPT = str(ROOT / "scripts" / "reproduce_article.py")


def test_reproduce_prints_nothing_on_stderr(tmp_path: Path) -> None:
    result = run_python(SCRIPT, "--steps", "10", "--log-every", "5", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.count("Step #") == 4 and result.stdout.startswith("Step #5 A = [")


def test_verbose_lets_tensorflow_speak(tmp_path: Path) -> None:
    result = run_python(
        SCRIPT, "--steps", "5", "--no-plot", "--verbose", "--out", "out", cwd=tmp_path
    )
    assert result.returncode == 0
    # disable_v2_behavior's deprecation warning, printed by every release, hidden without --verbose
    assert "is deprecated" in result.stderr
