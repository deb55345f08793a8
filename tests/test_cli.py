"""The reproduce and tutorials commands: output, files, and what they do with bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, run_python

from tf1repro import DivergenceError, Reproduction, replay, train
from tf1repro.cli import main
from tf1repro.record import load_record
from tf1repro.tutorials.article import TrainConfig, article_log

SCRIPT = str(ROOT / "scripts" / "reproduce_article.py")


def test_script_end_to_end(tmp_path: Path, article: Reproduction) -> None:
    out = tmp_path / "out"
    result = run_python(SCRIPT, "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Quiet by default: the user sees the log and one closing line, nothing from TensorFlow.
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:-1] == article.log()
    assert lines[-1] == f"Wrote loss_comparison.png, run_stochastic.json, run_batch.json to {out}/"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "loss_comparison.png",
        "run_batch.json",
        "run_stochastic.json",
    ]
    for record in article.records:
        assert load_record(out / f"run_{record.tutorial}.json") == record
    # The JSON files alone regenerate the printed log.
    stochastic, batch = (load_record(out / f"run_{t}.json") for t in ("stochastic", "batch"))
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
    args = ["--steps", "10", "--log-every", "2", "--out", str(tmp_path), "--no-plot"]
    code = main(["reproduce", *args, "--json", "--seed", "3"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert sorted(Path(p).name for p in result["written"]) == [
        "run_batch.json",
        "run_stochastic.json",
    ]
    records = {name: load_record(tmp_path / f"run_{name}.json") for name in result["records"]}
    assert records["batch"].to_dict() == result["records"]["batch"]
    assert records["stochastic"].steps == 10 and records["batch"].seed == 3
    assert result["log"] == article_log(records["stochastic"]) + article_log(records["batch"])
    assert len(result["log"]) == 2 * 2 * 5


def test_one_part_of_the_article(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["reproduce", "batch", "--batch-size", "5", "--out", str(tmp_path)])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Step #5 A = [[") and lines[1].startswith("Loss = ")
    assert lines[-1] == f"Wrote loss.png, run_batch.json to {tmp_path}/"
    assert load_record(tmp_path / "run_batch.json").feeds["x"].shape == (100, 5, 1)


@pytest.mark.quick
def test_tutorials_lists_the_article_and_its_parts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tutorials"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_name = {line.split()[0]: line for line in lines}
    assert {"article", "stochastic", "batch"} <= set(by_name)
    assert "script: stochastic + batch" in by_name["article"]
    # Scripts come before tutorials.
    kinds = ["script" in line.split()[1] for line in lines]
    assert kinds == sorted(kinds, reverse=True)
    assert main(["tutorials", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["batch"]["backends"] == ["graph", "eager", "numpy"]
    assert rows["article"]["parts"] == ["stochastic", "batch"]


BAD_INPUTS = [
    (["--batch-size", "0"], "--batch-size must be an int in the range [1, 1000000]; got 0"),
    (["--batch-size", "2.5"], "--batch-size must be an int in the range [1, 1000000]; got 2.5"),
    (["--batch-size", "1e30"], "--batch-size must be an int in the range [1, 1000000]; got 1e+30"),
    (["--steps", "0"], "--steps must be an int in the range [1, 1000000]; got 0"),
    (["--steps", "ten"], "--steps must be an int in the range [1, 1000000]; got 'ten'"),
    (["--steps", "10**30"], "--steps must be an int in the range [1, 1000000]; got '10**30'"),
    (["--log-every", "0"], "--log-every must be an int in the range [1, 1000000]; got 0"),
    (["--steps", "10", "--log-every", "11"], "--log-every must be an int in the range [1, 10]"),
    (["--learning-rate", "0"], "--learning-rate must be a finite float > 0"),
    (["--learning-rate", "-1"], "--learning-rate must be a finite float > 0"),
    (["--learning-rate", "nan"], "--learning-rate must be a finite float > 0"),
    (["--learning-rate", "inf"], "--learning-rate must be a finite float > 0"),
    (["--learning-rate", "1e-50"], "(and > 0 in float32); got 1e-50"),
    (["--learning-rate", "1e39"], "(and > 0 in float32); got 1e+39"),
    (["--seed", "-1"], "--seed must be an int in the range [0, 4294967295]; got -1"),
    (["--seed", "-inf"], "--seed must be an int in the range [0, 4294967295]; got -inf"),
    (["--seed", "1.5"], "--seed must be an int in the range [0, 4294967295]; got 1.5"),
    (["--seed", "abc"], "--seed must be an int in the range [0, 4294967295]; got 'abc'"),
    (["--out", ""], "--out '' "),
    (["--momentum", "1"], "unrecognized arguments: --momentum 1"),
]


@pytest.mark.quick
@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    code = main(["reproduce", "--out", str(out), *args])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith("tf1repro reproduce: error: ")
    assert message in captured.err and captured.err.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.quick
def test_unwritable_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["reproduce", "--out", str(blocker / "sub")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"tf1repro reproduce: error: --out '{blocker / 'sub'}' ")
    assert err.count("\n") == 1
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
        "tf1repro reproduce: error: --batch-size must be an int in the range [1, 1000000]; got 0\n"
    )
    result = run_python(SCRIPT, "--no-such-flag", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "--no-such-flag" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.quick
def test_divergence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["reproduce", "--learning-rate", "5.0", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.out == ""
    assert captured.err.startswith(
        "tf1repro reproduce: error: the stochastic tutorial (graph) diverged at step "
    )
    assert "loss = inf" in captured.err or "loss = nan" in captured.err
    assert captured.err.endswith("; nothing was written\n")
    assert list(tmp_path.iterdir()) == []


def test_divergence_step_agrees_with_numpy() -> None:
    config = TrainConfig(learning_rate=5.0)
    with pytest.raises(DivergenceError) as graph_error:
        train("batch", config, seed=0)
    assert graph_error.value.tutorial == "batch" and graph_error.value.backend == "graph"
    assert not np.isfinite(graph_error.value.value)
    # The NumPy twin, given the same feeds and initial value, diverges at the same step.
    stable = train("batch", TrainConfig(), seed=0)
    data = stable.to_dict()
    unstable = load_record_from(data | {"config": {**data["config"], "learning_rate": 5.0}})
    with pytest.raises(DivergenceError) as numpy_error:
        replay(unstable, "numpy")
    assert numpy_error.value.backend == "numpy"
    assert numpy_error.value.step == graph_error.value.step > 1


def load_record_from(data: dict[str, object]) -> object:
    from tf1repro import Record

    return Record.from_dict(data)


@pytest.mark.quick
def test_huge_runs_are_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1,000,000 steps of 1,000,000 rows would need terabytes: refused at once, naming why.
    code = main(
        [
            "reproduce",
            "batch",
            "--steps",
            "1000000",
            "--log-every",
            "1000000",
            "--batch-size",
            "1000000",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "record fits in memory" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_divergence_from_a_shell_is_one_line(tmp_path: Path) -> None:
    # TensorFlow's start-up notices (captured while it ran) are not replayed for a diverged run.
    result = run_python(SCRIPT, "--learning-rate", "5", "--out", "out", cwd=tmp_path)
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("tf1repro reproduce: error: the stochastic tutorial (graph)")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.quick
def test_the_api_names_a_wrong_argument() -> None:
    from tf1repro import ParameterError

    with pytest.raises(ParameterError, match="'config' parameter must be a TrainConfig"):
        train("batch", {"steps": 10})  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"'record' parameter must be a tf1repro\.Record"):
        replay(None, "numpy")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'backend' parameter must be one of"):
        replay(train("stochastic", None, 0), "jax")
    with pytest.raises(ParameterError, match="'tutorial' parameter must be a tutorial name"):
        train(None)  # type: ignore[arg-type]
    from tf1repro import compare_records

    with pytest.raises(ParameterError, match=r"'second' parameter must be a tf1repro\.Record"):
        compare_records(train("stochastic", None, 0), [])  # type: ignore[arg-type]


def test_the_tutorials_table_measures_each_row() -> None:
    from tf1repro import load_tutorial
    from tf1repro.equivalence import measure

    row = measure(load_tutorial("batch"))
    assert row["ops"] == ["MatMul", "Mean", "Square", "Sub"]
    assert row["optimizer"] == ["ApplyGradientDescent"] and row["steps"] == 100
    # The article's port and twin are bit-identical (see test_eager.py and test_replay.py).
    assert row["graph_eager_ulps"] == 0 and row["graph_numpy_ulps"] == 0


@pytest.mark.slow
def test_tutorials_measure_prints_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tutorials", "--measure"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| tutorial | ops | optimizer | steps | graph↔TF2 ulps")
    rows = [line for line in lines[2:] if line.startswith("| ")]
    from tf1repro.tutorial import tutorial_names

    assert len(rows) == len(tutorial_names())
    # Every port in the package is bit-identical to its graph on seed 0.
    assert all(row.split(" | ")[4] == "0" for row in rows), rows
