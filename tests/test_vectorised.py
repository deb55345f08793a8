"""Vectorised runs equal the single-run trainers, run by run.

Tolerances (scale-ulps, see tf1repro.compare): the stochastic graph is elementwise, so each run
must be bit-identical (0). The batch graph replaces MatMul by a batched MatMul and a full Mean
by a per-run Mean, which TensorFlow may sum in another order: we allow the replay tolerance of
the batch trainer, 2 scale-ulps (measured on TF 2.21, x86-64: 0). The vectorised NumPy trainer
repeats the single-run reference's float32 operations in the same order: 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from tf1repro import Record, compare_records, load_tutorial, replay, train
from tf1repro.backends import draw_inputs
from tf1repro.errors import DivergenceError
from tf1repro.tutorials.article import Batch, TrainConfig, part_config
from tf1repro.tutorials.article.vectorised import ManyRuns, train_many
from tf1repro.tutorials.article.vectorised.initial import graph_initial_values
from tf1repro.tutorials.article.vectorised.inputs import draw_chunk

GRAPH_TOLERANCE = {"stochastic": 0.0, "batch": 2.0}
CASES = [("stochastic", 1), ("batch", 2), ("batch", 20), ("batch", 100)]
EDGE_SEEDS = [0, 1, 2**31 - 1, 2**31, 2**32 - 1]


def as_record(many: ManyRuns, r: int) -> Record:
    """Run r of ``many`` as a single-run record, with its feeds re-drawn from its seed."""
    seed = int(many.seeds[r])
    config = part_config(many.trainer, many.config)
    inputs = draw_inputs(load_tutorial(many.trainer), config, seed)
    batch = many.trainer == "batch"
    shape, loss_shape = ((1, 1), ()) if batch else ((1,), (1,))
    steps = config.steps
    feeds = {
        name: np.array([np.asarray(step[name], dtype=np.float32) for step in inputs.feeds])
        for name in ("x", "y")
    }
    return Record(
        tutorial=many.trainer,
        backend=f"vectorised-{many.backend}",
        config=config.to_dict(),
        seed=seed,
        versions={},
        feeds=feeds,
        initial={"A": many.a0[r].reshape(shape)},
        variables={"A": many.a[r].reshape(steps, *shape)},
        fetches={"loss": many.loss[r].reshape(steps, *loss_shape)},
    )


def single(trainer: str, config: TrainConfig, seed: int) -> Record:
    return train(trainer, part_config(trainer, config), seed)


@pytest.mark.parametrize(("trainer", "batch_size"), [*CASES, ("batch", 33)])
def test_inputs_are_drawn_as_the_tutorial_draws_them(trainer: str, batch_size: int) -> None:
    config = TrainConfig(batch_size=batch_size)
    seeds = np.array([*range(40), *EDGE_SEEDS], dtype=np.int64)
    chunk = draw_chunk(config, trainer, seeds)
    for r, seed in enumerate(seeds):
        expected = draw_inputs(load_tutorial(trainer), part_config(trainer, config), int(seed))
        assert np.array_equal(chunk.x[r], expected.data["x_vals"])
        fed = np.array([np.reshape(step["x"], -1) for step in expected.feeds])
        assert np.array_equal(chunk.x[r][chunk.indices[r]], fed)


def test_inputs_refuse_a_tutorial_that_samples_differently(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def without_replacement(
        self: Batch, rng: np.random.RandomState, config: TrainConfig, data: object, step: int
    ) -> object:
        rows = rng.choice(config.data_size, size=config.batch_size, replace=False)
        return {
            "x": np.transpose([data["x_vals"][rows]]),
            "y": np.transpose([data["y_vals"][rows]]),
        }  # type: ignore[index]

    monkeypatch.setattr(Batch, "feeds", without_replacement)
    with pytest.raises(RuntimeError, match="would not match the single runs"):
        draw_chunk(TrainConfig(batch_size=20), "batch", np.arange(5, dtype=np.int64))


@pytest.mark.parametrize("trainer", ["stochastic", "batch"])
def test_initial_values_are_the_single_run_graphs(trainer: str) -> None:
    # Seeds 2**31 - 1 and 2**31 wrap around TF's seed truncation: they must still agree.
    config = TrainConfig()
    values = graph_initial_values(trainer, config, np.array(EDGE_SEEDS, dtype=np.int64))
    expected = [single(trainer, config, seed).initial["A"].item() for seed in EDGE_SEEDS]
    assert values.tolist() == expected


@pytest.mark.parametrize(("trainer", "batch_size"), CASES)
def test_vectorised_graph_equals_single_run_graph(trainer: str, batch_size: int) -> None:
    config = TrainConfig(batch_size=batch_size)
    # 300 runs in one graph: a run at the start, the middle and the end of the batch.
    seeds = [*range(299), 2**32 - 1]
    many = train_many(trainer, config, seeds, backend="graph")
    for r in (0, 150, 299):
        comparison = compare_records(single(trainer, config, seeds[r]), as_record(many, r))
        assert comparison.within(GRAPH_TOLERANCE[trainer]), comparison.summary()


@pytest.mark.parametrize(("trainer", "batch_size"), [*CASES, ("batch", 5), ("batch", 33)])
def test_vectorised_numpy_equals_reference_replay(trainer: str, batch_size: int) -> None:
    config = TrainConfig(batch_size=batch_size)
    many = train_many(trainer, config, range(200), backend="numpy", a0="numpy")
    for r in (0, 77, 199):
        record = as_record(many, r)
        comparison = compare_records(replay(record, "numpy"), record)
        assert comparison.worst == 0, comparison.summary()


@pytest.mark.parametrize(("trainer", "batch_size"), [("stochastic", 1), ("batch", 20)])
def test_vectorised_graph_and_numpy_agree_on_every_run(trainer: str, batch_size: int) -> None:
    config = TrainConfig(batch_size=batch_size)
    graph = train_many(trainer, config, range(500), backend="graph", a0="numpy")
    numpy = train_many(trainer, config, range(500), backend="numpy", a0="numpy")
    unit = float(np.spacing(np.float32(config.target)))
    worst = max(
        np.abs(graph.a.astype(np.float64) - numpy.a).max(),
        np.abs(graph.loss.astype(np.float64) - numpy.loss).max(),
    )
    assert worst / unit <= GRAPH_TOLERANCE[trainer]


@pytest.mark.parametrize("backend", ["graph", "numpy"])
def test_divergence_names_the_seed(backend: str) -> None:
    with pytest.raises(DivergenceError, match=r"seed 3"):
        train_many("batch", TrainConfig(learning_rate=50.0), [3, 4], backend=backend, a0="numpy")
