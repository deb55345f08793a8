"""The legacy oracle: the article's script, written TF1-style, prints exactly tf1repro's log."""

from __future__ import annotations

import subprocess

import pytest
from conftest import ROOT, run_pythons

from tf1repro import Reproduction, reproduce

ORACLE = ROOT / "tests" / "oracle" / "article_tf1.py"


CASES = [(0, 20), (7, 5)]


@pytest.fixture(scope="module")
def printed() -> dict[tuple[int, int], subprocess.CompletedProcess[str]]:
    """What the TF1 script prints for each (seed, batch size), the runs side by side."""
    commands = [[str(ORACLE), str(seed), str(batch_size)] for seed, batch_size in CASES]
    return dict(zip(CASES, run_pythons(commands), strict=True))


@pytest.mark.parametrize(("seed", "batch_size"), CASES)
def test_tf1_script_prints_our_log(
    article: Reproduction,
    printed: dict[tuple[int, int], subprocess.CompletedProcess[str]],
    seed: int,
    batch_size: int,
) -> None:
    result = printed[seed, batch_size]
    assert result.returncode == 0, result.stderr[-2000:]
    runs = article if seed == 0 else reproduce("article", seed, batch_size=batch_size)
    assert result.stdout.splitlines() == runs.log()
