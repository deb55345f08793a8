"""Shared fixtures: one in-process reproduction, and the command line run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tf1repro import ArticleRuns, TrainConfig, reproduce

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def article_runs() -> ArticleRuns:
    """The article with its default parameters and seed 0, trained once per test session."""
    return reproduce(TrainConfig(), seed=0)


def run_python(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in a child process, as a user would, and capture its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
