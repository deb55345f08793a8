"""``tf1repro compare``: the three-way table, its exit codes, and its verdict on perturbed Runs.

A perturbation is measured in scale-ulps (``scale_ulp``, the float32 spacing at the target 10).
It is applied at the last step, where ``A`` lies in [8, 16) and one scale-ulp is exactly one
float32 ulp of ``A``, so ``k`` ulps moved are ``k`` ulps measured, with no rounding in between.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import run_python

from tf1repro import ArticleRuns, Run, scale_ulp
from tf1repro.cli import main
from tf1repro.equivalence import DEFAULT_TOLERANCE_ULPS, PAIRS, recorded
from tf1repro.tensorboard_logs import read_graph_def, read_scalars

TOLERANCE = DEFAULT_TOLERANCE_ULPS


def perturbed(run: Run, ulps: float) -> Run:
    """``run`` with its last ``A`` moved by ``ulps`` scale-ulps."""
    assert 8 <= run.a[-1] < 16
    a = run.a.copy()
    a[-1] = np.float32(a[-1] + np.float32(ulps * scale_ulp(run.config)))
    return Run.from_dict({**run.to_dict(), "a": a.tolist()})


@pytest.mark.parametrize("trainer", ["stochastic", "batch"])
def test_verdict_flips_one_ulp_past_the_tolerance(article_runs: ArticleRuns, trainer: str) -> None:
    run = getattr(article_runs, trainer)
    at_tolerance = recorded([run, perturbed(run, TOLERANCE)], tolerance_ulps=TOLERANCE)
    assert at_tolerance.passed and at_tolerance.rows[0].comparison.a.ulps == TOLERANCE
    beyond = recorded([run, perturbed(run, TOLERANCE + 1)], tolerance_ulps=TOLERANCE)
    assert not beyond.passed
    assert beyond.rows[0].comparison.a.ulps == TOLERANCE + 1
    assert beyond.rows[0].comparison.a.step == run.config.steps


def test_cli_exit_codes_on_recorded_runs(tmp_path: Path, article_runs: ArticleRuns) -> None:
    run = article_runs.batch
    paths = {
        "run": run,
        "copy": Run.from_dict(run.to_dict()),
        "bad": perturbed(run, TOLERANCE + 1),
    }
    for name, value in paths.items():
        (tmp_path / f"{name}.json").write_text(value.to_json())
    same = run_python("-m", "tf1repro", "compare", "--runs", "run.json", "copy.json", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert same.stdout.splitlines()[-1].startswith("all 1 pair within 2 ulps")
    differ = run_python("-m", "tf1repro", "compare", "--runs", "run.json", "bad.json", cwd=tmp_path)
    assert differ.returncode == 1, differ.stderr
    assert differ.stderr == ""
    row = differ.stdout.splitlines()[1].split()
    assert row[:3] == ["batch-20", "graph-graph", "3"] and row[-1] == "FAIL"
    assert row[3] == str(run.config.steps)


def test_three_way_compare_with_logdir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", "--steps", "20", "--log-every", "5", "--batch-sizes", "1,20", "--seed", "4"]
    code = main([*args, "--json", "--logdir", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["passed"]
    labels = ["stochastic", "batch-1", "batch-20"]
    assert [(r["label"], tuple(r["backends"])) for r in report["rows"]] == [
        (label, pair) for label in labels for pair in PAIRS
    ]
    # Graph and eager run the same kernels in the same order: bit-identical (see test_eager.py).
    for row in report["rows"]:
        if row["backends"] == ["graph", "eager"]:
            assert row["a_ulps"] == 0 and row["loss_ulps"] == 0, row
    for label in labels:
        assert sorted(p.name for p in (tmp_path / label).iterdir()) == [
            "eager",
            "graph",
            "reference",
        ]
        series = [read_scalars(tmp_path / label / b)["A"] for b in ("graph", "reference", "eager")]
        assert sorted(series[0]) == list(range(1, 21))
        assert series[0] == series[1] == series[2]
    assert read_graph_def(tmp_path / "batch-20" / "graph") is not None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch-sizes", "1,0"], "--batch-sizes must be a comma-separated list"),
        (["--batch-sizes", "20,20"], "--batch-sizes must be a comma-separated list"),
        (["--tolerance", "-1"], "--tolerance must be a finite number of ulps >= 0; got -1"),
        (["--steps", "0"], "--steps must be an int in the range [1, inf)"),
        (["--runs", "missing.json"], "--runs 'missing.json' is not a readable Run record"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and message in captured.err


def test_runs_without_a_comparable_pair(
    tmp_path: Path, article_runs: ArticleRuns, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for run in (article_runs.stochastic, article_runs.batch):
        paths.append(tmp_path / f"{run.trainer}.json")
        paths[-1].write_text(run.to_json())
    assert main(["compare", "--runs", *map(str, paths)]) == 2
    assert "no two of the runs have the same trainer, config and inputs" in capsys.readouterr().err
