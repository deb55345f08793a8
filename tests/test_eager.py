"""The TF2 backend replays a record's inputs on the tutorial's TF2 port and matches the graph.

Tolerances, in float32 ulps at each quantity's scale:
- eager vs graph: 0. The port's forward pass is the graph's ops; Keras' SGD applies
  ``var - grad * lr`` as ``ApplyGradientDescent`` does; only the execution mode differs, so any
  difference would be a porting mistake.
- eager vs NumPy: as graph vs NumPy (tests/test_replay.py): 0 on x86-64, where the article's
  kernel mirrors reproduce the kernels' summation order, and the target of 2 elsewhere.
"""

from __future__ import annotations

import platform
from collections.abc import Callable

import numpy as np
import pytest
from conftest import with_values

from tf1repro import DivergenceError, Record, compare_records, replay, train
from tf1repro.backends import replay_all
from tf1repro.config import Config
from tf1repro.tutorials.article import StochasticConfig, TrainConfig

SEEDS = range(5)
BATCH_SIZES = (1, 2, 20, 100)
NUMPY_TOLERANCE = 0.0 if platform.machine() in ("x86_64", "AMD64") else 2.0
CASES = [("stochastic", 0, seed) for seed in SEEDS] + [
    ("batch", batch_size, seed) for batch_size in BATCH_SIZES for seed in SEEDS
]


def _config(tutorial: str, batch_size: int) -> StochasticConfig:
    return StochasticConfig() if tutorial == "stochastic" else TrainConfig(batch_size=batch_size)


@pytest.fixture(scope="module")
def replays(
    trained: Callable[[str, Config, int], Record],
) -> dict[tuple[str, int, int], tuple[Record, Record]]:
    """Every case trained on the graph backend, and replayed eagerly in one request."""
    graph_records = [trained(t, _config(t, b), seed) for t, b, seed in CASES]
    eager_records = replay_all(graph_records, "eager")
    return dict(zip(CASES, zip(graph_records, eager_records, strict=True), strict=True))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-seed{c[2]}")
def test_eager_matches_graph_and_numpy(
    replays: dict[tuple[str, int, int], tuple[Record, Record]], case: tuple[str, int, int]
) -> None:
    graph_record, eager_record = replays[case]
    assert eager_record.backend == "eager" and eager_record.tutorial == graph_record.tutorial
    assert "tensorflow" in eager_record.versions
    versus_graph = compare_records(graph_record, eager_record)
    assert versus_graph.worst == 0, versus_graph.summary()
    versus_numpy = compare_records(eager_record, replay(graph_record, "numpy"))
    assert versus_numpy.within(NUMPY_TOLERANCE), versus_numpy.summary()


@pytest.mark.quick
def test_eager_replays_inputs_not_seed() -> None:
    record = train("batch", TrainConfig(steps=10, log_every=5), seed=0)
    moved = with_values(record, "initial", "A", record.initial["A"] + np.float32(1))
    again = replay(moved, "eager")
    assert np.array_equal(again.initial["A"], moved.initial["A"])
    assert not np.array_equal(again.variables["A"], record.variables["A"])
    assert compare_records(again, replay(moved, "numpy")).within(NUMPY_TOLERANCE)


def test_works_from_a_process_where_v2_behaviour_is_off(capfd: pytest.CaptureFixture[str]) -> None:
    from tf1repro import runtime

    # Precondition: this process runs TF1 graphs, so eager execution is off here for good.
    tf = runtime.tf_v1()
    assert not tf.executing_eagerly()
    record = train("stochastic", StochasticConfig(steps=10, log_every=5), seed=3)
    capfd.readouterr()
    again = replay(record, "eager")
    assert compare_records(record, again).worst == 0
    # Quiet by default: the child's TensorFlow notices do not reach the terminal.
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_divergence_is_reported_at_the_same_step_as_numpy() -> None:
    record = train("batch", TrainConfig(steps=50, log_every=5), seed=0)
    # Same inputs, a learning rate at which gradient descent on this quadratic blows up.
    data = record.to_dict()
    unstable = Record.from_dict({**data, "config": {**data["config"], "learning_rate": 5.0}})
    with pytest.raises(DivergenceError) as numpy_error:
        replay(unstable, "numpy")
    with pytest.raises(DivergenceError) as eager_error:
        replay(unstable, "eager")
    assert eager_error.value.backend == "eager" and numpy_error.value.backend == "numpy"
    assert eager_error.value.step == numpy_error.value.step > 1
