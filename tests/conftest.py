"""Shared fixtures: one in-process reproduction, and the command line run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
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


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}


def run_python(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in a child process, as a user would, and capture its output."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd or ROOT,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_pythons(
    commands: Sequence[Sequence[str]], cwd: Path | None = None, timeout: float = 300
) -> list[subprocess.CompletedProcess[str]]:
    """``run_python`` for each command, all started at once: separate processes that each
    import TensorFlow take the time of one where there are cores for them."""
    children = [
        subprocess.Popen(
            [sys.executable, *args],
            cwd=cwd or ROOT,
            env=_child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    try:
        results = []
        for child in children:
            out, err = child.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.communicate()
