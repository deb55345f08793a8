"""The NumPy twin, replaying a graph record's inputs, matches the graph step by step.

Distances are float32 ulps at each quantity's own scale (``tf1repro.compare.scale_ulp``: for
``A``, the spacing of float32 near its largest value, about 9.5e-7). The stochastic trainer is
elementwise float32 arithmetic that NumPy rounds exactly as TensorFlow does, so the tolerance is
0. The batch trainer's sums are mirrored in the order TensorFlow's x86-64 kernels add
(tf1repro/tutorials/article/kernels.py), so on x86-64 it is 0 too; elsewhere kernel builds add
in other orders and the documented target is at most 2.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import with_values

from tf1repro import Record, compare_records, replay, train
from tf1repro.compare import scale_ulp
from tf1repro.config import Config
from tf1repro.tutorials.article import StochasticConfig, TrainConfig

SEEDS = range(5)
BATCH_TOLERANCE = 0.0 if platform.machine() in ("x86_64", "AMD64") else 2.0


# Each test hands the matrix its distance (record_property): the report shows the worst.
@pytest.mark.parametrize("seed", SEEDS)
def test_stochastic_is_bit_identical(
    record_property: Any, seed: int, trained: Callable[[str, Config, int], Record]
) -> None:
    record = trained("stochastic", StochasticConfig(), seed)
    comparison = compare_records(record, replay(record, "numpy"))
    record_property("stochastic ulp", comparison.worst)
    assert comparison.worst == 0, comparison.summary()


@pytest.mark.parametrize("batch_size", [1, 2, 5, 20, 100])
@pytest.mark.parametrize("seed", SEEDS)
def test_batch_matches(
    record_property: Any,
    batch_size: int,
    seed: int,
    trained: Callable[[str, Config, int], Record],
) -> None:
    record = trained("batch", TrainConfig(batch_size=batch_size), seed)
    comparison = compare_records(record, replay(record, "numpy"))
    record_property("batch ulp", comparison.worst)
    assert comparison.within(BATCH_TOLERANCE), comparison.summary()


@pytest.mark.quick
def test_graph_replay_equals_training(batch: Record) -> None:
    # Feeding the recorded initial values into the initializer reproduces the seeded run.
    again = replay(batch, "graph")
    assert again.backend == "graph"
    assert compare_records(batch, again).first_step is None


@pytest.mark.quick
def test_replays_use_inputs_not_seed(batch: Record) -> None:
    # A replay must start from the recorded initial value: move it and the trajectory moves.
    moved = with_values(batch, "initial", "A", batch.initial["A"] + np.float32(1))
    for backend in ("numpy", "graph"):
        again = replay(moved, backend)
        assert np.array_equal(again.initial["A"], moved.initial["A"])
        assert not np.array_equal(again.variables["A"], batch.variables["A"])


@pytest.mark.quick
def test_comparison_finds_the_worst_and_first_step(stochastic: Record) -> None:
    a = stochastic.variables["A"].copy()
    unit = scale_ulp(a)
    a[41] += np.float32(3 * unit)
    a[60] = np.nextafter(a[60], np.float32(np.inf))
    comparison = compare_records(stochastic, with_values(stochastic, "variables", "A", a))
    deviation = comparison.deviation("A")
    assert deviation.step == 42 and deviation.ulps == pytest.approx(3, abs=1e-9)
    assert deviation.first_step == 42 and comparison.first_step == 42
    assert comparison.deviation("loss").step is None and comparison.deviation("loss").ulps == 0
    assert not comparison.within(2) and comparison.within(3)


@pytest.mark.quick
def test_each_quantity_has_its_own_scale(batch: Record) -> None:
    # One last-bit change of a loss near 64 is 1 ulp of the loss, not 8 ulps of A's scale 10.
    loss = batch.fetches["loss"].copy()
    step = int(np.argmax(loss))
    loss[step] = np.nextafter(loss[step], np.float32(np.inf))
    comparison = compare_records(batch, with_values(batch, "fetches", "loss", loss))
    assert comparison.deviation("loss").ulps == 1
    assert comparison.deviation("A").unit == float(np.spacing(np.float32(8)))


@pytest.mark.quick
def test_nan_never_passes(batch: Record) -> None:
    loss = np.full_like(batch.fetches["loss"], np.nan)
    nan_record = with_values(batch, "fetches", "loss", loss)
    comparison = compare_records(batch, nan_record)
    assert comparison.deviation("loss").ulps == np.inf
    assert not comparison.within(1e30)
    # And a record holding NaN survives its strict-JSON round trip.
    assert Record.from_dict(nan_record.to_dict()) == nan_record
    assert '"nan"' in nan_record.to_json() and "NaN" not in nan_record.to_json()


@pytest.mark.quick
def test_comparison_refuses_different_inputs(stochastic: Record) -> None:
    other = train("stochastic", StochasticConfig(), seed=1)
    with pytest.raises(ValueError, match="feeds 'x' differ"):
        compare_records(stochastic, other)
