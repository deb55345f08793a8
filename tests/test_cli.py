"""The reproduce command: its output, its files, and what it does with bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, run_python

from tf1repro import ArticleRuns, Run
from tf1repro.cli import main
from tf1repro.report import article_log

SCRIPT = str(ROOT / "scripts" / "reproduce_article.py")


def test_script_end_to_end(tmp_path: Path, article_runs: ArticleRuns) -> None:
    out = tmp_path / "out"
    result = run_python(SCRIPT, "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Quiet by default: the user sees the log and one closing line, nothing from TensorFlow.
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:-1] == article_runs.log()
    assert lines[-1] == (
        f"Wrote loss_comparison.png, run_stochastic.json, run_batch.json to {out}/"
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "loss_comparison.png",
        "run_batch.json",
        "run_stochastic.json",
    ]
    for trainer in ("stochastic", "batch"):
        run = Run.load(out / f"run_{trainer}.json")
        assert run == getattr(article_runs, trainer)
    # The JSON files alone regenerate the printed log.
    stochastic, batch = (Run.load(out / f"run_{t}.json") for t in ("stochastic", "batch"))
    assert article_log(stochastic) + article_log(batch) == lines[:-1]

    import matplotlib.image

    image = matplotlib.image.imread(out / "loss_comparison.png")
    assert image.shape[0] >= 300 and image.shape[1] >= 500
    # Not a blank canvas: there are blue and red line pixels.
    rgb = image[..., :3]
    blue = (rgb[..., 2] > 0.8) & (rgb[..., 0] < 0.3) & (rgb[..., 1] < 0.3)
    red = (rgb[..., 0] > 0.8) & (rgb[..., 1] < 0.3) & (rgb[..., 2] < 0.3)
    assert blue.sum() > 200 and red.sum() > 100


def test_json_output_and_no_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "reproduce",
            "--steps",
            "10",
            "--log-every",
            "2",
            "--out",
            str(tmp_path),
            "--no-plot",
            "--json",
            "--seed",
            "3",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert sorted(Path(p).name for p in result["written"]) == [
        "run_batch.json",
        "run_stochastic.json",
    ]
    runs = {t: Run.from_dict(d) for t, d in result["runs"].items()}
    assert runs["batch"] == Run.load(tmp_path / "run_batch.json")
    assert runs["stochastic"].config.steps == 10 and runs["batch"].seed == 3
    assert result["log"] == article_log(runs["stochastic"]) + article_log(runs["batch"])
    assert len(result["log"]) == 2 * 2 * 5


BAD_INPUTS = [
    (["--batch-size", "0"], "--batch-size must be an int in the range [1, inf); got 0"),
    (["--batch-size", "2.5"], "--batch-size must be an int in the range [1, inf); got 2.5"),
    (["--steps", "0"], "--steps must be an int in the range [1, inf); got 0"),
    (["--steps", "ten"], "--steps must be an int in the range [1, inf); got 'ten'"),
    (["--log-every", "0"], "--log-every must be an int in the range [1, 100] (at most 'steps')"),
    (["--steps", "10", "--log-every", "11"], "--log-every must be an int in the range [1, 10]"),
    (["--learning-rate", "0"], "--learning-rate must be a finite float > 0; got 0"),
    (["--learning-rate", "-1"], "--learning-rate must be a finite float > 0; got -1"),
    (["--learning-rate", "nan"], "--learning-rate must be a finite float > 0; got nan"),
    (["--learning-rate", "inf"], "--learning-rate must be a finite float > 0; got inf"),
    (["--seed", "-1"], "--seed must be an int in the range [0, 4294967295]; got -1"),
    (["--seed", "1.5"], "--seed must be an int in the range [0, 4294967295]; got 1.5"),
    (["--seed", "abc"], "--seed must be an int in the range [0, 4294967295]; got 'abc'"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    code = main(["reproduce", *args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith("tf1repro reproduce: error: ")
    assert message in captured.err and captured.err.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unwritable_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["reproduce", "--out", str(blocker / "sub")])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err == f"tf1repro reproduce: error: --out '{blocker / 'sub'}' cannot be written: "
        f"{blocker} is not a folder\n"
    )
    assert sorted(tmp_path.iterdir()) == [blocker]


def test_bad_input_from_a_shell(tmp_path: Path) -> None:
    # As a user sees it: one line, exit code 2, no traceback, TensorFlow never imported.
    probe = (
        "import sys; from tf1repro.cli import main; code = main(sys.argv[1:]); "
        "assert 'tensorflow' not in sys.modules; sys.exit(code)"
    )
    result = run_python("-c", probe, "reproduce", "--batch-size", "0", "--out", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "tf1repro reproduce: error: --batch-size must be an int in the range [1, inf); got 0\n"
    )
    result = run_python(SCRIPT, "--no-such-flag", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "--no-such-flag" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_divergence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["reproduce", "--learning-rate", "5.0", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.out == ""
    assert captured.err.startswith(
        "tf1repro reproduce: error: the stochastic trainer (graph) diverged at step "
    )
    assert "loss = inf" in captured.err or "loss = nan" in captured.err
    assert captured.err.endswith("; nothing was written\n")
    assert list(tmp_path.iterdir()) == []


def test_divergence_step_agrees_with_reference() -> None:
    from tf1repro import DivergenceError, TrainConfig, train_graph
    from tf1repro.data import draw_inputs
    from tf1repro.recipes import get_recipe
    from tf1repro.reference import replay

    config = TrainConfig(learning_rate=5.0)
    with pytest.raises(DivergenceError) as graph_error:
        train_graph("batch", config, seed=0)
    assert graph_error.value.trainer == "batch" and graph_error.value.backend == "graph"
    assert not np.isfinite(graph_error.value.loss)
    # The NumPy reference, given the same inputs and A0, diverges at the same step.
    a0 = train_graph("batch", TrainConfig(learning_rate=5.0, steps=1, log_every=1), seed=0).a0
    inputs = draw_inputs(config, get_recipe("batch").sample_step, seed=0)
    unfinished = Run(
        "batch", "graph", config, 0, {}, inputs.x, inputs.indices, a0, np.zeros(100), np.zeros(100)
    )
    with pytest.raises(DivergenceError) as reference_error:
        replay(unfinished)
    assert reference_error.value.backend == "reference"
    assert reference_error.value.step == graph_error.value.step > 1


def test_artifacts_get_ordinary_permissions(tmp_path: Path) -> None:
    from tf1repro.files import write_atomically

    previous = os.umask(0o022)
    try:
        write_atomically({tmp_path / "a.json": b"{}"})
    finally:
        os.umask(previous)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary file left behind
