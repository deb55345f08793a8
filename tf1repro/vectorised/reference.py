"""R runs in NumPy float32, each step computed as ``tf1repro.reference`` computes one run.

The single-run reference follows TensorFlow's kernels one value at a time (``tf1repro.kernels``);
here the same operations run on a whole column of runs at once: the stochastic step is
elementwise; the batch step's gradient is oneDNN's dot product (a fused multiply-add chain in
row order, on CPUs with FMA) and its loss Eigen's packet-wise mean. ``tests/test_vectorised.py``
checks that every run is bit-identical to ``tf1repro.reference.replay`` of that run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from tf1repro import kernels
from tf1repro.config import TrainConfig
from tf1repro.vectorised.inputs import ChunkInputs

F32 = np.float32
Column = npt.NDArray[np.float32]
"""One float32 value per run."""
Rows = npt.NDArray[np.float32]
"""``[runs, rows]``: each run's batch."""
StepFn = Callable[[Column, Rows, Rows, np.float32], tuple[Column, Column]]


def _stochastic_step(a: Column, x: Rows, y: Rows, lr: np.float32) -> tuple[Column, Column]:
    """``A -= lr * (2 (x A - y)) x``; then the loss ``(x A - y)^2`` at the new ``A``."""
    x, y = x[:, 0], y[:, 0]
    grad = ((x * a - y) * F32(2)) * x
    a = (a - grad * lr).astype(F32)
    error = x * a - y
    return a, error * error


def _batch_step(a: Column, x: Rows, y: Rows, lr: np.float32) -> tuple[Column, Column]:
    """``A -= lr * x^T (2 (x A - y) / k)``; then ``mean((x A - y)^2)`` at the new ``A``."""
    rows = x.shape[1]
    upstream = (F32(1) / F32(rows)) * (F32(2) * (x * a[:, np.newaxis] - y))
    grad = onednn_dot_rows(x, upstream)
    a = (a - grad * lr).astype(F32)
    error = x * a[:, np.newaxis] - y
    return a, eigen_mean_rows(error * error)


#: The vectorised twin of each recipe's ``reference_step`` + ``reference_loss``, by name.
STEPS: dict[str, StepFn] = {"stochastic": _stochastic_step, "batch": _batch_step}


def train_chunk(
    trainer: str, config: TrainConfig, inputs: ChunkInputs, a0: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Train every run of ``inputs``; returns ``a`` and ``loss``, ``[runs, steps]``."""
    if trainer not in STEPS:
        raise NotImplementedError(f"no vectorised NumPy trainer for the {trainer!r} trainer")
    step_fn = STEPS[trainer]
    lr = F32(config.learning_rate)
    a = np.asarray(a0, dtype=F32).copy()
    params = np.empty((len(a), config.steps), dtype=F32)
    losses = np.empty_like(params)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(config.steps):
            x, y = inputs.batch(step)
            a, losses[:, step] = step_fn(a, x, y, lr)
            params[:, step] = a
    return params, losses


def fma32(a: Column, b: Column, c: Column) -> Column:
    """Elementwise float32 ``a * b + c`` rounded once (``kernels.fma32`` on arrays).

    The float64 product is exact; the float64 sum is rounded to odd (TwoSum gives its error) so
    that the final rounding to float32 is correct.
    """
    product = a.astype(np.float64) * b
    addend = c.astype(np.float64)
    total = product + addend
    virtual = total - addend
    error = (product - (total - virtual)) + (addend - virtual)
    even = (total.view(np.int64) & 1) == 0
    fix = (error != 0) & even & np.isfinite(total)
    towards = np.where(error > 0, np.inf, -np.inf)
    return np.where(fix, np.nextafter(total, towards), total).astype(F32)


def onednn_dot_rows(x: Rows, y: Rows, fma: bool | None = None) -> Column:
    """Each run's ``x · y`` as ``kernels.onednn_dot``: a chain in row order from 0."""
    use_fma = kernels.cpu_has_fma() if fma is None else fma
    total = np.zeros(len(x), dtype=F32)
    for j in range(x.shape[1]):
        total = fma32(x[:, j], y[:, j], total) if use_fma else total + x[:, j] * y[:, j]
    return total


def eigen_sum_rows(values: Rows) -> Column:
    """Each run's sum in the order of ``kernels.eigen_sum`` (packets, accumulators, tail)."""
    runs, n = values.shape
    lanes, accumulators = kernels.EIGEN_PACKET, kernels.EIGEN_ACCUMULATORS
    block = lanes * accumulators
    in_blocks = n - n % block
    acc = np.zeros((runs, accumulators, lanes), dtype=F32)
    for start in range(0, in_blocks, block):
        acc += values[:, start : start + block].reshape(runs, accumulators, lanes)
    packet = acc[:, 0]
    for other in range(1, accumulators):
        packet = packet + acc[:, other]
    in_packets = n - n % lanes
    for start in range(in_blocks, in_packets, lanes):
        packet = packet + values[:, start : start + lanes]
    tail = np.zeros(runs, dtype=F32)
    for j in range(in_packets, n):
        tail = tail + values[:, j]
    while packet.shape[1] > 1:
        half = packet.shape[1] // 2
        packet = packet[:, :half] + packet[:, half:]
    return tail + packet[:, 0]


def eigen_mean_rows(values: Rows) -> Column:
    """Each run's mean as ``kernels.eigen_mean``: the Eigen sum, one division by float32(n)."""
    return (eigen_sum_rows(values) / F32(values.shape[1])).astype(F32)
