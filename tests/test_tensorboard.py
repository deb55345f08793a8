"""TensorBoard event files round-trip: the scalars read back equal the Run's, value for value.

Both writers store float32 values exactly (TF1's ``simple_value`` is a 32-bit float field, TF2's
``tf.summary.scalar`` stores a float32 tensor), so the comparison is exact equality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tf1repro import ArticleRuns, Run, TrainConfig, replay_eager, replay_reference, train_graph
from tf1repro.cli import main
from tf1repro.tensorboard_logs import (
    TAGS,
    EventLog,
    read_graph_def,
    read_scalars,
    run_label,
    write_runs,
    write_v1_events,
)


def assert_scalars_equal(folder: Path, run: Run) -> None:
    scalars = read_scalars(folder)
    assert sorted(scalars) == sorted(TAGS)
    steps = list(range(1, run.config.steps + 1))
    for tag, values in (("A", run.a), ("loss", run.loss)):
        assert sorted(scalars[tag]) == steps
        read = np.array([scalars[tag][step] for step in steps], dtype=np.float64)
        np.testing.assert_array_equal(read, values.astype(np.float64))


def test_graph_and_reference_events(tmp_path: Path, article_runs: ArticleRuns) -> None:
    run = article_runs.batch
    written = write_runs([run, replay_reference(run)], tmp_path)
    assert run_label(run) == "batch-20"
    assert {p.parent.relative_to(tmp_path) for p in written} == {
        Path("batch-20/graph"),
        Path("batch-20/reference"),
    }
    assert_scalars_equal(tmp_path / "batch-20" / "graph", run)
    assert_scalars_equal(tmp_path / "batch-20" / "reference", replay_reference(run))
    # The Graphs tab shows the article's TF1 graph: its placeholders, MatMul, and the optimizer.
    graph_def = read_graph_def(tmp_path / "batch-20" / "graph")
    ops = {node.op for node in graph_def.node}
    assert {"Placeholder", "MatMul", "Mean", "Square", "ApplyGradientDescent"} <= ops
    assert read_graph_def(tmp_path / "batch-20" / "reference") is None


def test_eager_events(tmp_path: Path) -> None:
    run = train_graph("stochastic", TrainConfig(steps=20, log_every=5), seed=2)
    replay = replay_eager(run, logdir=tmp_path / "eager")
    assert_scalars_equal(tmp_path / "eager", replay)
    # The eager folder holds the traced tf.function: the TF2 update is AssignSubVariableOp.
    ops = {node.op for node in read_graph_def(tmp_path / "eager").node}
    assert {"Mul", "Square", "AssignSubVariableOp"} <= ops


def test_publishing_again_replaces_the_old_events(tmp_path: Path) -> None:
    first = train_graph("stochastic", TrainConfig(steps=10, log_every=5), seed=0)
    second = train_graph("stochastic", TrainConfig(steps=10, log_every=5), seed=1)
    write_runs([first], tmp_path)
    write_runs([second], tmp_path)
    folder = tmp_path / "stochastic" / "graph"
    assert len(list(folder.iterdir())) == 1
    assert_scalars_equal(folder, second)


def test_nothing_is_published_on_failure(tmp_path: Path) -> None:
    run = train_graph("stochastic", TrainConfig(steps=10, log_every=5), seed=0)
    with pytest.raises(RuntimeError, match="interrupted"), EventLog(tmp_path / "logs") as log:
        scratch = log.folder("stochastic", "graph")
        write_v1_events(run, scratch, with_graph=False)
        assert any(scratch.iterdir())
        raise RuntimeError("interrupted")
    assert not (tmp_path / "logs").exists()
    assert not scratch.exists()


def test_reproduce_logdir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["reproduce", "--steps", "10", "--log-every", "5", "--no-plot"]
    code = main([*args, "--out", str(tmp_path / "out"), "--logdir", str(tmp_path / "tb")])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("Wrote TensorBoard events to")
    for trainer in ("stochastic", "batch"):
        run = Run.load(tmp_path / "out" / f"run_{trainer}.json")
        folder = tmp_path / "tb" / run_label(run) / "graph"
        assert_scalars_equal(folder, run)
        assert read_graph_def(folder) is not None


def test_reproduce_refuses_an_unwritable_logdir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = tmp_path / "out"
    code = main(["reproduce", "--out", str(out), "--logdir", str(blocker)])
    assert code == 2
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1 and "--logdir" in error and str(blocker) in error
    assert not out.exists()
