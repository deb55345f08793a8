"""The legacy oracle: the article's script, written TF1-style, prints exactly tf1repro's log."""

from __future__ import annotations

import pytest
from conftest import ROOT, run_python

from tf1repro import ArticleRuns, TrainConfig, reproduce

ORACLE = ROOT / "tests" / "oracle" / "article_tf1.py"


@pytest.mark.parametrize(("seed", "batch_size"), [(0, 20), (7, 5)])
def test_tf1_script_prints_our_log(article_runs: ArticleRuns, seed: int, batch_size: int) -> None:
    result = run_python(str(ORACLE), str(seed), str(batch_size))
    assert result.returncode == 0, result.stderr[-2000:]
    runs = article_runs if seed == 0 else reproduce(TrainConfig(batch_size=batch_size), seed)
    assert result.stdout.splitlines() == runs.log()
