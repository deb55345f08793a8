"""The legacy oracle: the article's script, written TF1-style, prints exactly tf1repro's log."""

from __future__ import annotations

import contextlib
import io
import runpy
import subprocess
import sys

import pytest
from background import ORACLE, ORACLE_CASE

from tf1repro import Reproduction, reproduce


def test_tf1_script_in_a_fresh_process_prints_our_log(
    article: Reproduction, oracle_run: subprocess.CompletedProcess[str]
) -> None:
    # A process that never imported tf1repro: nothing tf1repro sets in its own process can
    # make the two agree.
    assert ORACLE_CASE == (0, 20)
    assert oracle_run.returncode == 0, oracle_run.stderr[-2000:]
    assert oracle_run.stdout.splitlines() == article.log()


def test_tf1_script_prints_our_log_for_another_seed_and_batch_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another seed and batch size, the script run in this process (runpy, as `python` would):
    # the fresh process above already shows that tf1repro's process adds nothing.
    seed, batch_size = 7, 5
    monkeypatch.setattr(sys, "argv", [ORACLE, str(seed), str(batch_size)])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_path(ORACLE, run_name="__main__")
    runs = reproduce("article", seed, batch_size=batch_size)
    assert printed.getvalue().splitlines() == runs.log()
