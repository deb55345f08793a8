"""Shared fixtures: one in-process reproduction, and the command line run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tf1repro import Record, Reproduction, reproduce

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def article() -> Reproduction:
    """The article with its default parameters and seed 0, trained once per test session."""
    return reproduce("article", seed=0)


@pytest.fixture(scope="session")
def stochastic(article: Reproduction) -> Record:
    return article.records[0]


@pytest.fixture(scope="session")
def batch(article: Reproduction) -> Record:
    return article.records[1]


def with_values(record: Record, group: str, name: str, values: object) -> Record:
    """A copy of ``record`` with one array replaced (as a user editing the JSON would)."""
    import numpy as np

    from tf1repro.record import encode_array

    data = record.to_dict()
    data[group] = {**data[group], name: encode_array(np.asarray(values))}
    return Record.from_dict(data)


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
