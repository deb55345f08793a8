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

from tf1repro import TrainConfig, compare_runs, get_recipe, replay_reference, train_graph
from tf1repro.data import draw_inputs
from tf1repro.errors import DivergenceError
from tf1repro.recipes.batch_stochastic import Batch
from tf1repro.record import Run
from tf1repro.vectorised import ManyRuns, train_many
from tf1repro.vectorised.initial import graph_initial_values
from tf1repro.vectorised.inputs import draw_chunk

GRAPH_TOLERANCE = {"stochastic": 0.0, "batch": 2.0}
CASES = [("stochastic", 1), ("batch", 2), ("batch", 20), ("batch", 100)]
EDGE_SEEDS = [0, 1, 2**31 - 1, 2**31, 2**32 - 1]


def as_run(many: ManyRuns, r: int) -> Run:
    """Run r of ``many`` as a single-run record, with its inputs re-drawn from its seed."""
    seed = int(many.seeds[r])
    inputs = draw_inputs(many.config, get_recipe(many.trainer).sample_step, seed)
    return Run(
        trainer=many.trainer,
        backend=f"vectorised-{many.backend}",
        config=many.config,
        seed=seed,
        versions={},
        x=inputs.x,
        indices=inputs.indices,
        a0=many.a0[r],
        a=many.a[r],
        loss=many.loss[r],
    )


@pytest.mark.parametrize(("trainer", "batch_size"), [*CASES, ("batch", 33)])
def test_inputs_are_drawn_as_draw_inputs(trainer: str, batch_size: int) -> None:
    config = TrainConfig(batch_size=batch_size)
    seeds = np.array([*range(40), *EDGE_SEEDS], dtype=np.int64)
    chunk = draw_chunk(config, trainer, seeds)
    for r, seed in enumerate(seeds):
        expected = draw_inputs(config, get_recipe(trainer).sample_step, int(seed))
        assert np.array_equal(chunk.x[r], expected.x)
        assert np.array_equal(chunk.indices[r], expected.indices)


def test_inputs_fall_back_when_a_recipe_samples_differently(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def without_replacement(self: Batch, rng: np.random.RandomState, config: TrainConfig) -> object:
        return rng.choice(config.data_size, size=config.batch_size, replace=False)

    monkeypatch.setattr(Batch, "sample_step", without_replacement)
    config = TrainConfig(batch_size=20)
    chunk = draw_chunk(config, "batch", np.arange(5, dtype=np.int64))
    for seed in range(5):
        expected = draw_inputs(config, get_recipe("batch").sample_step, seed)
        assert np.array_equal(chunk.indices[seed], expected.indices)


@pytest.mark.parametrize("trainer", ["stochastic", "batch"])
def test_initial_values_are_the_single_run_graphs(trainer: str) -> None:
    # Seeds 2**31 - 1 and 2**31 wrap around TF's seed truncation: they must still agree.
    config = TrainConfig()
    values = graph_initial_values(trainer, config, np.array(EDGE_SEEDS, dtype=np.int64))
    expected = [train_graph(trainer, config, seed).a0 for seed in EDGE_SEEDS]
    assert values.tolist() == [float(v) for v in expected]


@pytest.mark.parametrize(("trainer", "batch_size"), CASES)
def test_vectorised_graph_equals_single_run_graph(trainer: str, batch_size: int) -> None:
    config = TrainConfig(batch_size=batch_size)
    # 300 runs in one graph: a run at the start, the middle and the end of the batch.
    seeds = [*range(299), 2**32 - 1]
    many = train_many(trainer, config, seeds, backend="graph")
    for r in (0, 150, 299):
        single = train_graph(trainer, config, seeds[r])
        comparison = compare_runs(single, as_run(many, r))
        assert comparison.within(GRAPH_TOLERANCE[trainer]), comparison.summary()


@pytest.mark.parametrize(("trainer", "batch_size"), [*CASES, ("batch", 5), ("batch", 33)])
def test_vectorised_numpy_equals_reference_replay(trainer: str, batch_size: int) -> None:
    config = TrainConfig(batch_size=batch_size)
    many = train_many(trainer, config, range(200), backend="numpy", a0="numpy")
    for r in (0, 77, 199):
        run = as_run(many, r)
        comparison = compare_runs(replay_reference(run), run)
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
