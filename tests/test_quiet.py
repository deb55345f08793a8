"""Quiet by default: the user sees what they asked for, not TensorFlow's start-up chatter.

TensorFlow prints notices from C++ (oneDNN, CUDA, CPU features, MLIR) and deprecation warnings
from Python, and which ones changes with every release; this check runs in the version matrix.
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import ROOT, run_pythons

SCRIPT = str(ROOT / "scripts" / "reproduce_article.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """The reproduction as a user runs it, quiet and with --verbose, side by side."""
    folder = tmp_path_factory.mktemp("quiet")
    commands = {
        "quiet": [SCRIPT, "--steps", "10", "--log-every", "5", "--out", "quiet"],
        "verbose": [SCRIPT, "--steps", "5", "--no-plot", "--verbose", "--out", "verbose"],
    }
    results = run_pythons(list(commands.values()), cwd=folder)
    return dict(zip(commands, results, strict=True))


def test_reproduce_prints_nothing_on_stderr(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = runs["quiet"]
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.count("Step #") == 4 and result.stdout.startswith("Step #5 A = [")


def test_verbose_lets_tensorflow_speak(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["verbose"]
    assert result.returncode == 0
    # disable_v2_behavior's deprecation warning, printed by every release, hidden without --verbose
    assert "is deprecated" in result.stderr
