"""The float32 kernel mirrors: exact where they claim to be, and necessary for bit-identity."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tf1repro import Record, compare_records, kernel_path, replay, train
from tf1repro.tutorials.article import TrainConfig, kernels

CHILD = Path(__file__).with_name("kernel_path_child.py")
#: Where TensorFlow turns oneDNN on unless TF_ENABLE_ONEDNN_OPTS says otherwise.
ONEDNN_BY_DEFAULT = platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


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


def fma_chain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """onednn_dot's definition with FMA: fma32 term by term, for every run at once."""
    total = np.zeros(x.shape[:-1], dtype=np.float32)
    for j in range(x.shape[-1]):
        total = kernels.fma32(x[..., j], y[..., j], total)
    return total


def test_fma_dot_equals_the_fma32_chain_where_double_rounding_fails() -> None:
    # Term 0 leaves 2^-70 in the sum; term 1 adds (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24, a float32
    # midpoint: float64 drops the 2^-70 and would tie to even, the fused chain rounds up.
    x = np.array([[2.0**-35, 1 + 2.0**-12]], dtype=np.float32)
    expected = np.float32(1 + 2.0**-11 + 2.0**-23)
    assert fma_chain(x, x)[0] == expected
    assert kernels.onednn_dot(x, x, fma=True)[0] == expected
    # Sums in float32's subnormal range keep fewer bits: they take the exact path too.
    tiny = np.array([[2.0**-75, 2.0**-76, 2.0**-63]], dtype=np.float32)
    other = np.array([[2.0**-75, 3 * 2.0**-76, -(2.0**-63)]], dtype=np.float32)
    assert kernels.onednn_dot(tiny, other, fma=True).tolist() == fma_chain(tiny, other).tolist()


def test_fma_dot_equals_the_fma32_chain_on_trainer_like_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The batch trainer's gradient: x ~ N(1, 0.1) times upstream built from x * a - 10, whose
    # cancellation leaves few significant bits, so exact midpoints do occur among the sums.
    rng = np.random.default_rng(3)
    x = rng.normal(1, 0.1, (4000, 100)).astype(np.float32)
    a = rng.normal(10, 0.01, (4000, 1)).astype(np.float32)
    upstream = (np.float32(1) / np.float32(100)) * (np.float32(2) * (x * a - np.float32(10)))
    expected = fma_chain(x, upstream)
    redone = []
    fma32 = kernels.fma32

    def counting_fma32(*args: np.ndarray) -> np.ndarray:
        redone.append(len(args[0]))
        return fma32(*args)

    monkeypatch.setattr(kernels, "fma32", counting_fma32)
    assert kernels.onednn_dot(x, upstream, fma=True).tolist() == expected.tolist()
    assert 0 < max(redone) < 40  # a few runs took the exact path, the others did not


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
    # (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24 is a float32, but the rounded square 1 + 2^-11 drops 2^-24.
    x = np.float32(1 + 2**-12)
    assert kernels.fma32(x, x, np.float32(-1)) == np.float32(2**-11 + 2**-24)
    assert np.float32(x * x) - np.float32(1) == np.float32(2**-11)
    assert np.float32(2**-11 + 2**-24) != np.float32(2**-11)


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


def test_mirrors_are_needed_for_bit_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    run = train("batch", TrainConfig(batch_size=100), seed=0)
    assert compare_records(run, replay(run, "numpy")).worst == 0
    with monkeypatch.context() as patch:
        patch.setattr(
            kernels,
            "eigen_mean",
            lambda v: np.array(
                [sequential_sum(row) / np.float32(len(row)) for row in np.atleast_2d(v)],
                dtype=np.float32,
            ),
        )
        assert compare_records(run, replay(run, "numpy")).worst > 0
    # The other path's MatMul mirror: oneDNN's fused chain and Eigen's rounded one part ways.
    other = kernel_path.EIGEN if kernel_path.detect_kernel_path().fma else kernel_path.ONEDNN_FMA
    data = run.to_dict()
    elsewhere = Record.from_dict({**data, "platform": {"kernels": other.label}})
    assert compare_records(elsewhere, replay(elsewhere, "numpy")).worst > 0


@pytest.mark.slow
@pytest.mark.parametrize("batch_size", range(1, 101))
def test_bit_identical_for_every_batch_size(batch_size: int) -> None:
    for seed in range(3):
        run = train("batch", TrainConfig(batch_size=batch_size), seed)
        comparison = compare_records(run, replay(run, "numpy"))
        assert comparison.worst == 0, comparison.summary()


# The kernel paths. A TensorFlow process picks its path when it imports TensorFlow, so the
# other path is measured in a child process (tests/kernel_path_child.py) with its own env.


def tensorflow_child(request: dict[str, Any], **env: str | None) -> dict[str, Any]:
    """Run the child with ``env`` changes (None removes a variable); its JSON reply."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    child_env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    for name, value in env.items():
        if value is None:
            child_env.pop(name, None)
        else:
            child_env[name] = value
    done = subprocess.run(
        [sys.executable, str(CHILD)],
        input=json.dumps(request),
        env=child_env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reply: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return reply


def products_for(sizes: range | list[int], count: int, seed: int) -> list[tuple[np.ndarray, ...]]:
    """``count`` pairs ``(x, upstream)`` of each length: half the article's, half wider.

    The article's: x near 1, upstream its gradient (1/k) * 2 * (x*A - 10) for a random A. The
    wider ones have mixed signs, so sums cancel and the order of rounding shows more.
    """
    rng = np.random.default_rng(seed)
    pairs = []
    for k in sizes:
        for i in range(count):
            if i % 2 == 0:
                x = rng.normal(1, 0.1, k).astype(np.float32)
                a = np.float32(rng.normal(0, 3))
                error = x * a - np.float32(10)
                upstream = (np.float32(1) / np.float32(k)) * (np.float32(2) * error)
            else:
                x, upstream = (rng.normal(0, 3, k).astype(np.float32) for _ in range(2))
            pairs.append((x, upstream))
    return pairs


def unmirrored(
    pairs: list[tuple[np.ndarray, ...]], gradients: list[float], label: str
) -> list[tuple[int, int]]:
    """``(k, input)`` of each TensorFlow gradient that the mirror for ``label`` misses by a bit."""
    path = kernel_path.KernelPath.from_label(label)
    got = np.array(gradients, dtype=np.float64)
    assert np.array_equal(got, got.astype(np.float32)), "float32 values survive the JSON trip"
    return [
        (len(x), i)
        for i, ((x, u), value) in enumerate(zip(pairs, got.astype(np.float32), strict=True))
        if kernels.matmul_grad(x, u, path).view(np.uint32) != value.view(np.uint32)
    ]


def products_request(pairs: list[tuple[np.ndarray, ...]]) -> list[list[list[float]]]:
    return [[x.tolist(), u.tolist()] for x, u in pairs]


FAST_PAIRS = products_for([1, 2, 7, 8, 9, 16, 17, 33, 64, 100], 6, seed=4)


@pytest.fixture(scope="module")
def onednn_off() -> dict[str, Any]:
    """One child with TF_ENABLE_ONEDNN_OPTS=0: its path, FAST_PAIRS' gradients, two replays."""
    request = {"products": products_request(FAST_PAIRS), "replays": [[20, 0], [100, 0]]}
    return tensorflow_child(request, TF_ENABLE_ONEDNN_OPTS="0")


def test_crafted_inputs_separate_the_chains() -> None:
    # Fused, the chain keeps 2^-24 of (1 + 2^-12)^2 - 1; rounded, the square loses it first.
    x = np.array([1, 1 + 2**-12], dtype=np.float32)
    y = np.array([-1, 1 + 2**-12], dtype=np.float32)
    assert kernels.eigen_dot(x, y) == np.float32(2**-11)
    assert kernels.onednn_dot(x, y, fma=False) == np.float32(2**-11)
    assert kernels.onednn_dot(x, y, fma=True) == np.float32(2**-11 + 2**-24)
    assert kernels.matmul_grad(x, y, kernel_path.EIGEN) == np.float32(2**-11)
    assert kernels.matmul_grad(x, y, kernel_path.ONEDNN_FMA) == np.float32(2**-11 + 2**-24)
    # Exact products in index order: each 1 is lost beside 2^24, the last seven survive.
    big = np.array([2**24] + [1] * 7 + [-(2**24)] + [1] * 7, dtype=np.float32)
    assert kernels.eigen_dot(big, np.ones(16, np.float32)) == 7


def test_eigen_dot_is_the_rounded_chain() -> None:
    rng = np.random.default_rng(3)
    for k in (1, 8, 33, 100):
        x, y = rng.normal(0, 3, (2, 50, k)).astype(np.float32)
        expected = [float(sequential_sum(r * s)) for r, s in zip(x, y, strict=True)]
        assert kernels.eigen_dot(x, y).tolist() == expected


@pytest.mark.parametrize(
    "path",
    [
        kernel_path.ONEDNN_FMA,
        kernel_path.EIGEN,
        kernel_path.KernelPath(onednn=True, fma=False),
        kernel_path.KernelPath(onednn=False, fma=True, in_order=False),
    ],
)
def test_kernel_path_labels_round_trip(path: kernel_path.KernelPath) -> None:
    assert kernel_path.KernelPath.from_label(path.label) == path


def test_kernel_path_labels() -> None:
    assert kernel_path.ONEDNN_FMA.label == "onednn+fma" and kernel_path.EIGEN.label == "eigen"
    with pytest.raises(ValueError, match="'mkl' is not one of"):
        kernel_path.KernelPath.from_label("mkl")


@pytest.mark.parametrize(
    ("setting", "onednn"),
    [
        (None, ONEDNN_BY_DEFAULT),
        ("0", False),
        ("false", False),
        ("False", False),
        ("1", True),
        ("TRUE", True),
        ("no", ONEDNN_BY_DEFAULT),
        (" 0", ONEDNN_BY_DEFAULT),
    ],
)
def test_expected_path_follows_tensorflows_reading_of_the_variable(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, onednn: bool
) -> None:
    # TensorFlow reads 0/1/true/false in any case; anything else leaves the default.
    if setting is None:
        monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    else:
        monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", setting)
    path = kernel_path.expected_kernel_path()
    assert path == kernel_path.KernelPath(onednn=onednn, fma=onednn and kernel_path.cpu_has_fma())


def test_without_tensorflow_the_path_is_predicted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert kernel_path.current_kernel_path() == kernel_path.EIGEN


def test_default_process_detects_its_path_and_is_mirrored() -> None:
    import kernel_path_child  # the child's TensorFlow side, here in the test's own process

    gradients = kernel_path_child.matmul_gradients(products_request(FAST_PAIRS))
    path = kernel_path.detect_kernel_path()
    assert kernel_path.current_kernel_path() == path and path.in_order
    assert kernel_path.measured_platform() == {
        "kernels": path.label,
        "cpu": kernel_path.cpu_vendor(),
    }
    if ONEDNN_BY_DEFAULT and "TF_ENABLE_ONEDNN_OPTS" not in os.environ:
        # oneDNN on, and on an FMA CPU its sgemm fuses: the article's default path.
        assert path.onednn and path.fma == cpu_fma_for_onednn()
    assert not unmirrored(FAST_PAIRS, gradients, path.label)


def cpu_fma_for_onednn() -> bool:
    # ONEDNN_MAX_CPU_ISA below AVX2 hides FMA from oneDNN (tested in a child below).
    capped = os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper() in ("SSE41", "AVX")
    return kernel_path.cpu_has_fma() and not capped


def test_onednn_off_is_detected_and_mirrored(onednn_off: dict[str, Any]) -> None:
    assert onednn_off["label"] == "eigen"
    assert not unmirrored(FAST_PAIRS, onednn_off["gradients"], onednn_off["label"])
    for case in onednn_off["replays"]:
        assert case["a_ulps"] == 0 and case["loss_ulps"] == 0, case


@pytest.mark.slow
def test_eigen_matmul_gradient_for_every_batch_size() -> None:
    pairs = products_for(range(1, 101), 40, seed=5)
    reply = tensorflow_child({"products": products_request(pairs)}, TF_ENABLE_ONEDNN_OPTS="0")
    assert reply["label"] == "eigen"
    assert not unmirrored(pairs, reply["gradients"], reply["label"])


@pytest.mark.slow
def test_onednn_without_fma_is_detected_and_mirrored() -> None:
    # Capping oneDNN below AVX2 takes FMA away from its sgemm, as on a CPU without it; the CPU's
    # flags still say FMA, so only the probe can tell. Its rounded chain is Eigen's.
    pairs = products_for(range(1, 101, 3), 10, seed=6)
    request = {"products": products_request(pairs), "replays": [[20, 0], [100, 1]]}
    reply = tensorflow_child(request, TF_ENABLE_ONEDNN_OPTS=None, ONEDNN_MAX_CPU_ISA="AVX")
    assert reply["label"] == ("onednn" if ONEDNN_BY_DEFAULT else "eigen")
    assert not unmirrored(pairs, reply["gradients"], reply["label"])
    for case in reply["replays"]:
        assert case["a_ulps"] == 0 and case["loss_ulps"] == 0, case


@pytest.mark.slow
def test_onednn_off_replays_bit_for_bit_for_every_batch_size() -> None:
    cases = [[batch_size, seed] for batch_size in range(1, 101) for seed in range(3)]
    reply = tensorflow_child({"replays": cases}, TF_ENABLE_ONEDNN_OPTS="0")
    assert reply["label"] == "eigen"
    worst = max(reply["replays"], key=lambda r: max(r["a_ulps"], r["loss_ulps"]))
    assert worst["a_ulps"] == 0 and worst["loss_ulps"] == 0, worst
