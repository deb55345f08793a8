"""TensorBoard event files round-trip: the scalars read back equal the record's, value for value.

Both writers store float32 values exactly (TF1's ``simple_value`` is a 32-bit float field, TF2's
``tf.summary.scalar`` stores a float32 tensor), so the comparison is exact equality: 0 ulps.
The eager replay's events are also held to 0 ulps from the graph record it replays: the TF2
port runs the same kernels in the same order (see test_eager.py). Event files are read back with
the test-only readers in tests/tb_events.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import with_values
from tb_events import event_files, read_graph_def, read_scalars

from tf1repro import Record, replay, train
from tf1repro.backends.tensorboard import EventLog, scalar_tags, write_records, write_v1_events
from tf1repro.cli import main
from tf1repro.record import load_record
from tf1repro.tutorials.article import StochasticConfig


def assert_scalars_equal(
    folder: Path, record: Record, tags: tuple[str, ...] = ("A", "loss")
) -> None:
    """Every tag of ``record``'s variables and fetches, at every step, equal to the bit."""
    scalars = read_scalars(folder)
    expected = dict(scalar_tags(record.quantities()))
    assert sorted(scalars) == sorted(expected) == sorted(tags)
    steps = list(range(1, record.steps + 1))
    for tag, values in expected.items():
        assert sorted(scalars[tag]) == steps, tag
        read = np.array([scalars[tag][step] for step in steps], dtype=np.float64)
        assert values.dtype == np.float32
        np.testing.assert_array_equal(read, values.astype(np.float64), err_msg=tag)


def test_scalar_tags_name_one_tag_per_element() -> None:
    one = np.arange(3, dtype=np.float32).reshape(3, 1, 1)
    many = np.arange(6, dtype=np.float32).reshape(3, 2)
    tags = dict(scalar_tags({"A": one, "W": many}))
    assert list(tags) == ["A", "W/0", "W/1"]
    assert tags["A"].tolist() == [0, 1, 2]
    assert tags["W/0"].tolist() == [0, 2, 4] and tags["W/1"].tolist() == [1, 3, 5]


def test_graph_and_numpy_events(tmp_path: Path, batch: Record) -> None:
    twin = replay(batch, "numpy")
    written = write_records([("batch-20", batch), ("batch-20", twin)], tmp_path)
    assert {p.parent.relative_to(tmp_path) for p in written} == {
        Path("batch-20/graph"),
        Path("batch-20/numpy"),
    }
    assert all(p.is_file() for p in written)
    assert_scalars_equal(tmp_path / "batch-20" / "graph", batch)
    assert_scalars_equal(tmp_path / "batch-20" / "numpy", twin)
    # The Graphs tab shows the article's TF1 graph: its placeholders, MatMul, and the optimizer.
    graph_def = read_graph_def(tmp_path / "batch-20" / "graph")
    assert graph_def is not None
    ops = {node.op for node in graph_def.node}
    assert {"Placeholder", "MatMul", "Mean", "Square", "ApplyGradientDescent"} <= ops
    assert read_graph_def(tmp_path / "batch-20" / "numpy") is None


def test_multi_element_quantities_get_one_tag_each(tmp_path: Path, stochastic: Record) -> None:
    # A fetch of two elements per step (as a tutorial with a vector output has) is two tags.
    loss = stochastic.fetches["loss"]
    pair = np.concatenate([loss, loss * np.float32(2)], axis=1)
    record = with_values(stochastic, "fetches", "loss", pair)
    write_v1_events(record, tmp_path, with_graph=False)
    assert_scalars_equal(tmp_path, record, tags=("A", "loss/0", "loss/1"))
    assert read_graph_def(tmp_path) is None


def test_eager_events(tmp_path: Path) -> None:
    record = train("stochastic", StochasticConfig(steps=20, log_every=5), seed=2)
    port = replay(record, "eager", logdirs=[tmp_path / "eager"])
    assert port.backend == "eager"
    assert_scalars_equal(tmp_path / "eager", port)
    # The TF2 port computes the graph's very numbers, so its chart is the graph's.
    assert read_scalars(tmp_path / "eager") == {
        tag: {step: float(v) for step, v in enumerate(values, start=1)}
        for tag, values in scalar_tags(record.quantities())
    }


def test_publishing_again_replaces_the_old_events(tmp_path: Path) -> None:
    config = StochasticConfig(steps=10, log_every=5)
    first = train("stochastic", config, seed=0)
    second = train("stochastic", config, seed=1)
    assert not np.array_equal(first.variables["A"], second.variables["A"])
    write_records([("stochastic", first)], tmp_path)
    write_records([("stochastic", second)], tmp_path)
    folder = tmp_path / "stochastic" / "graph"
    assert len(event_files(folder)) == 1
    assert_scalars_equal(folder, second)


def test_nothing_is_published_on_failure(tmp_path: Path) -> None:
    record = train("stochastic", StochasticConfig(steps=10, log_every=5), seed=0)
    with pytest.raises(RuntimeError, match="interrupted"), EventLog(tmp_path / "logs") as log:
        scratch = log.folder("stochastic", "graph")
        assert log.scratch in scratch.parents
        write_v1_events(record, scratch, with_graph=False)
        assert event_files(scratch)
        raise RuntimeError("interrupted")
    assert not (tmp_path / "logs").exists()
    assert not scratch.exists() and not log.scratch.exists()


def test_reproduce_logdir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["reproduce", "--steps", "10", "--log-every", "5", "--no-plot"]
    code = main([*args, "--out", str(tmp_path / "out"), "--logdir", str(tmp_path / "tb")])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("Wrote TensorBoard events to")
    assert sorted(p.name for p in (tmp_path / "tb").iterdir() if not p.name.startswith(".")) == [
        "batch",
        "stochastic",
    ]
    products = {"stochastic": ("Mul", "MatMul"), "batch": ("MatMul", None)}
    for name, (present, absent) in products.items():
        record = load_record(tmp_path / "out" / f"run_{name}.json")
        assert record.steps == 10
        folder = tmp_path / "tb" / name / "graph"
        assert_scalars_equal(folder, record)
        graph_def = read_graph_def(folder)
        assert graph_def is not None
        ops = {node.op for node in graph_def.node}
        assert present in ops and (absent is None or absent not in ops)


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
    assert blocker.read_text() == "not a folder"
