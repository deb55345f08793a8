"""The NumPy reference, replaying a graph Run's inputs, matches the graph step by step.

Distances are in float32 ulps at the problem's scale (``scale_ulp``: the spacing of float32 near
10, about 9.5e-7). The stochastic trainer is elementwise float32 arithmetic that NumPy rounds
exactly as TensorFlow does, so the tolerance is 0. The batch trainer's sums are mirrored in the
order TensorFlow's x86-64 kernels add (tf1repro.kernels), so on x86-64 it is 0 too; elsewhere
kernel builds add in other orders and the documented target is at most 2.
"""

from __future__ import annotations

import platform

import numpy as np
import pytest

from tf1repro import Run, TrainConfig, compare_runs, replay_reference, scale_ulp, train_graph

SEEDS = range(5)
BATCH_TOLERANCE = 0.0 if platform.machine() in ("x86_64", "AMD64") else 2.0


@pytest.mark.parametrize("seed", SEEDS)
def test_stochastic_is_bit_identical(seed: int) -> None:
    run = train_graph("stochastic", TrainConfig(), seed)
    comparison = compare_runs(run, replay_reference(run))
    assert comparison.worst == 0, comparison.summary()


@pytest.mark.parametrize("batch_size", [1, 2, 5, 20, 100])
@pytest.mark.parametrize("seed", SEEDS)
def test_batch_matches(batch_size: int, seed: int) -> None:
    run = train_graph("batch", TrainConfig(batch_size=batch_size), seed)
    comparison = compare_runs(run, replay_reference(run))
    assert comparison.within(BATCH_TOLERANCE), comparison.summary()


def test_reference_replays_inputs_not_seed(article_runs) -> None:  # type: ignore[no-untyped-def]
    # The replay must use the recorded x, indices and A0: change A0 and the trajectory moves.
    run = article_runs.batch
    moved = Run.from_dict({**run.to_dict(), "a0": float(run.a0) + 1.0})
    replay = replay_reference(moved)
    assert replay.backend == "reference" and replay.a0 == np.float32(run.a0 + 1)
    assert not np.array_equal(replay.a, run.a)


def test_comparison_finds_the_worst_step(article_runs) -> None:  # type: ignore[no-untyped-def]
    run = article_runs.stochastic
    data = run.to_dict()
    a = list(data["a"])
    a[41] = float(np.float32(a[41]) + np.float32(3 * scale_ulp(run.config)))
    comparison = compare_runs(run, Run.from_dict({**data, "a": a}))
    assert comparison.a.step == 42 and comparison.a.ulps == pytest.approx(3, abs=1e-9)
    assert comparison.loss.step is None and comparison.loss.ulps == 0
    assert not comparison.within(2) and comparison.within(3)


def test_comparison_refuses_different_inputs(article_runs) -> None:  # type: ignore[no-untyped-def]
    other = train_graph("stochastic", TrainConfig(), seed=1)
    with pytest.raises(ValueError, match="same inputs"):
        compare_runs(article_runs.stochastic, other)
