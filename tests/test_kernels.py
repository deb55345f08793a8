"""The float32 kernel mirrors: exact where they claim to be, and necessary for bit-identity."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tf1repro import TrainConfig, compare_runs, kernels, replay_reference, train_graph


def sequential_sum(values: np.ndarray) -> np.float32:
    """The naive order: left to right in float32."""
    total = np.float32(0)
    for value in np.asarray(values, dtype=np.float32):
        total = np.float32(total + value)
    return total


def exact_fma32(a: np.float32, b: np.float32, c: np.float32) -> np.float32:
    """a*b + c computed exactly with fractions, then rounded once to float32 (to nearest even)."""
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    low = np.float32(float(exact))  # within an ulp of the exact value; fix the rounding below
    candidates = [
        np.nextafter(low, np.float32(-np.inf)),
        low,
        np.nextafter(low, np.float32(np.inf)),
    ]
    distances = [abs(Fraction(float(v)) - exact) for v in candidates]
    best = min(distances)
    ties = [v for v, d in zip(candidates, distances, strict=True) if d == best]
    return min(ties, key=lambda v: int(v.view(np.uint32)) & 1)  # ties go to the even mantissa


def test_fma32_rounds_once() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=3000).astype(np.float32)
    b = rng.normal(size=3000).astype(np.float32)
    # Addends that nearly cancel the product are where a second rounding would show.
    c = np.concatenate([-(a[:1500] * b[:1500]), rng.normal(size=1500).astype(np.float32)])
    for x, y, z in zip(a, b, c, strict=True):
        assert kernels.fma32(x, y, z) == exact_fma32(x, y, z)


@pytest.mark.parametrize("sign", [1, -1])
def test_fma32_at_float32_midpoints(sign: int) -> None:
    # c + a*b lands on a float32 midpoint in float64, with the exact remainder (2^-70) lost:
    # only the sign of that remainder says which way to round; a double rounding ties to even.
    rng = np.random.default_rng(1)
    a = np.float32(sign * 2.0**-24 * (1 + 2.0**-23))
    b = np.float32(1 - 2.0**-23)  # a*b = ±(2^-24 - 2^-70), exact in neither float32 nor float64
    for mantissa in rng.integers(0, 2**23, size=2000):
        c = np.float32(1 + int(mantissa) * 2.0**-23)
        assert kernels.fma32(a, b, c) == exact_fma32(a, b, c), (mantissa, sign)


def test_kernels_treat_leading_axes_as_independent_runs() -> None:
    rng = np.random.default_rng(2)
    for n in (1, 7, 33, 100):
        rows = rng.normal(0, 3, (5, n)).astype(np.float32)
        other = rows[::-1]
        assert kernels.eigen_sum(rows).tolist() == [float(kernels.eigen_sum(r)) for r in rows]
        assert kernels.eigen_mean(rows).tolist() == [float(kernels.eigen_mean(r)) for r in rows]
        for fma in (False, True):
            together = kernels.onednn_dot(rows, other, fma=fma).tolist()
            apart = [
                float(kernels.onednn_dot(x, y, fma=fma)) for x, y in zip(rows, other, strict=True)
            ]
            assert together == apart
    a, b, c = (rng.normal(0, 10, 500).astype(np.float32) for _ in range(3))
    assert kernels.fma32(a, b, c).tolist() == [
        float(kernels.fma32(*t)) for t in zip(a, b, c, strict=True)
    ]


def test_fma32_differs_from_two_roundings() -> None:
    # 1 + 2^-23 times itself minus 1: the fused result keeps the 2^-46 term that rounding drops.
    x = np.float32(1 + 2**-23)
    assert kernels.fma32(x, x, np.float32(-1)) == np.float32(2**-22 + 2**-46)
    assert np.float32(x * x) - np.float32(1) == np.float32(2**-22)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 31, 32, 33, 64, 100])
def test_eigen_sum_of_exact_values(n: int) -> None:
    # Small integers add exactly in any order, so every order must give the true sum.
    values = np.arange(1, n + 1, dtype=np.float32)
    assert kernels.eigen_sum(values) == n * (n + 1) // 2
    assert kernels.eigen_mean(values) == np.float32(n * (n + 1) / 2 / n)


def test_eigen_sum_order_shows_in_rounding() -> None:
    # 2^24 + 1 is not a float32: the order of additions decides whether the ones survive.
    big = np.float32(2**24)
    values = np.array([big] + [1.0] * 7 + [-big] + [1.0] * 7, dtype=np.float32)
    assert sequential_sum(values) == 7  # left to right, the first seven ones are lost
    assert kernels.eigen_sum(values) == 14  # lane-wise: 2^24 and -2^24 share lane 0 and cancel


def test_mirror_is_needed_for_bit_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    run = train_graph("batch", TrainConfig(batch_size=100), seed=0)
    assert compare_runs(run, replay_reference(run)).worst == 0
    monkeypatch.setattr(
        kernels, "eigen_mean", lambda v: np.float32(sequential_sum(v) / np.float32(len(v)))
    )
    monkeypatch.setattr(
        kernels, "onednn_dot", lambda x, y: sequential_sum(np.asarray(x) * np.asarray(y))
    )
    assert compare_runs(run, replay_reference(run)).worst > 0


@pytest.mark.slow
@pytest.mark.parametrize("batch_size", range(1, 101))
def test_bit_identical_for_every_batch_size(batch_size: int) -> None:
    for seed in range(3):
        run = train_graph("batch", TrainConfig(batch_size=batch_size), seed)
        comparison = compare_runs(run, replay_reference(run))
        assert comparison.worst == 0, comparison.summary()
