"""The legacy oracle: the article's script, written TF1-style, prints exactly tf1repro's log."""

from __future__ import annotations

import pytest
from conftest import ROOT, run_python

from tf1repro import Reproduction, reproduce

ORACLE = ROOT / "tests" / "oracle" / "article_tf1.py"


@pytest.mark.parametrize(("seed", "batch_size"), [(0, 20), (7, 5)])
def test_tf1_script_prints_our_log(article: Reproduction, seed: int, batch_size: int) -> None:
    result = run_python(str(ORACLE), str(seed), str(batch_size))
    assert result.returncode == 0, result.stderr[-2000:]
    runs = article if seed == 0 else reproduce("article", seed, batch_size=batch_size)
    assert result.stdout.splitlines() == runs.log()
