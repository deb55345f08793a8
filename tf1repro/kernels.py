"""Float32 mirrors of the TensorFlow CPU kernels whose results depend on the order of operations.

Elementwise float32 ops round the same way in NumPy and in TensorFlow, so the reference trainers
write them as plain NumPy. Reductions and fused multiply-adds are different: the sum of n float32
numbers depends on the order of the additions, and ``fma(a, b, c)`` rounds once where
``a * b + c`` rounds twice. The functions here reproduce what TensorFlow's x86-64 CPU build does,
established by feeding both the same inputs and comparing bits (for every n from 1 to 100):

* Eigen (``Sum``, ``Mean``, ``ApplyGradientDescent``) is compiled for AVX: 8-float packets, no
  fused multiply-add, so its results do not depend on the CPU that runs them.
* ``MatMul`` is rewritten to oneDNN's ``sgemm``, which generates code for the running CPU: on a CPU
  with FMA (every x86-64 CPU since about 2013) a dot product is one FMA chain in index order.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import numpy.typing as npt

F32 = np.float32

#: Floats in one of Eigen's packets in TensorFlow's x86-64 builds (AVX registers: 8 floats).
EIGEN_PACKET = 8
#: Eigen's reduction keeps this many packet accumulators once there are enough values.
EIGEN_ACCUMULATORS = 4


def eigen_sum(values: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Sum over the last axis as Eigen's vectorised full reduction does (TF's ``Sum``).

    Blocks of 4 packets go lane-wise into 4 accumulators, which are then added in order; the
    remaining whole packets go into the first accumulator; the tail is added one by one into a
    scalar that starts at 0; finally the packet is folded by halves (lane i + lane i+4, then
    i + i+2, then 0 + 1) and added to the scalar. Leading axes are independent runs.
    """
    v = np.asarray(values, dtype=F32)
    lead, n = v.shape[:-1], v.shape[-1]
    block = EIGEN_ACCUMULATORS * EIGEN_PACKET
    in_blocks = n - n % block
    accumulators = np.zeros((*lead, EIGEN_ACCUMULATORS, EIGEN_PACKET), dtype=F32)
    for start in range(0, in_blocks, block):
        accumulators += v[..., start : start + block].reshape(accumulators.shape)
    packet = accumulators[..., 0, :]
    for k in range(1, EIGEN_ACCUMULATORS):
        packet = packet + accumulators[..., k, :]
    in_packets = n - n % EIGEN_PACKET
    for start in range(in_blocks, in_packets, EIGEN_PACKET):
        packet = packet + v[..., start : start + EIGEN_PACKET]
    tail = np.zeros(lead, dtype=F32)
    for j in range(in_packets, n):
        tail = tail + v[..., j]
    while packet.shape[-1] > 1:
        half = packet.shape[-1] // 2
        packet = packet[..., :half] + packet[..., half:]
    return np.asarray(tail + packet[..., 0], dtype=F32)


def eigen_mean(values: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """TF's ``Mean`` on CPU, over the last axis: the Eigen sum, then one division by float32(n)."""
    v = np.asarray(values, dtype=F32)
    return np.asarray(eigen_sum(v) / F32(v.shape[-1]), dtype=F32)


def fma32(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Elementwise float32 ``a * b + c`` rounded once, as a hardware fused multiply-add.

    The product of two float32 numbers is exact in float64. The float64 sum is not, and rounding
    it again to float32 could round twice; so the sum is first rounded *to odd* (Knuth's TwoSum
    gives the exact error; an inexact result gets an odd last bit, towards the exact value),
    which makes the final rounding to float32 correct, since float64 carries more than 24 + 2
    bits.
    """
    product = np.asarray(a, dtype=F32).astype(np.float64) * np.asarray(b, dtype=F32)
    addend = np.asarray(c, dtype=F32).astype(np.float64)
    total = np.asarray(product + addend)
    product_part = total - addend
    addend_part = total - product_part
    error = (product - product_part) + (addend - addend_part)
    even = (total.view(np.int64) & 1) == 0
    nudge = (error != 0) & even & np.isfinite(total)
    toward = np.where(error > 0, np.inf, -np.inf)
    return np.where(nudge, np.nextafter(total, toward), total).astype(F32)


def onednn_dot(
    x: npt.ArrayLike, y: npt.ArrayLike, fma: bool | None = None
) -> npt.NDArray[np.float32]:
    """``x · y`` over the last axis as oneDNN's sgemm computes a one-output product.

    A chain in index order from 0. With FMA (``fma=None`` asks the CPU) each term is fused into
    the running sum; without it, each product is rounded before it is added. Leading axes are
    independent runs.
    """
    xs, ys = np.broadcast_arrays(np.asarray(x, dtype=F32), np.asarray(y, dtype=F32))
    use_fma = cpu_has_fma() if fma is None else fma
    total = np.zeros(xs.shape[:-1], dtype=F32)
    for j in range(xs.shape[-1]):
        term_x, term_y = xs[..., j], ys[..., j]
        total = fma32(term_x, term_y, total) if use_fma else total + term_x * term_y
    return np.asarray(total, dtype=F32)


@functools.cache
def cpu_has_fma() -> bool:
    """Whether oneDNN will use FMA here. Read from Linux's CPU flags; assumed on elsewhere."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    flag_lines = [line for line in cpuinfo.splitlines() if line.startswith("flags")]
    return not flag_lines or "fma" in flag_lines[0].split()
