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
import math
from pathlib import Path
from typing import SupportsFloat

import numpy as np
import numpy.typing as npt

F32 = np.float32

#: Floats in one of Eigen's packets in TensorFlow's x86-64 builds (AVX registers: 8 floats).
EIGEN_PACKET = 8
#: Eigen's reduction keeps this many packet accumulators once there are enough values.
EIGEN_ACCUMULATORS = 4


def eigen_sum(values: npt.ArrayLike) -> np.float32:
    """Sum as Eigen's vectorised full reduction does (TF's ``Sum``; ``Mean`` then divides by n).

    Blocks of 4 packets go lane-wise into 4 accumulators, which are then added in order; the
    remaining whole packets go into the first accumulator; the tail is added one by one into a
    scalar that starts at 0; finally the packet is folded by halves (lane i + lane i+4, then
    i + i+2, then 0 + 1) and added to the scalar.
    """
    v = np.asarray(values, dtype=F32).ravel()
    block = EIGEN_ACCUMULATORS * EIGEN_PACKET
    in_blocks = len(v) - len(v) % block
    accumulators = np.zeros((EIGEN_ACCUMULATORS, EIGEN_PACKET), dtype=F32)
    for start in range(0, in_blocks, block):
        accumulators += v[start : start + block].reshape(EIGEN_ACCUMULATORS, EIGEN_PACKET)
    packet = accumulators[0]
    for other in accumulators[1:]:
        packet = packet + other
    in_packets = len(v) - len(v) % EIGEN_PACKET
    for start in range(in_blocks, in_packets, EIGEN_PACKET):
        packet = packet + v[start : start + EIGEN_PACKET]
    tail = F32(0)
    for value in v[in_packets:]:
        tail = F32(tail + value)
    while len(packet) > 1:
        half = len(packet) // 2
        packet = packet[:half] + packet[half:]
    return F32(tail + packet[0])


def eigen_mean(values: npt.ArrayLike) -> np.float32:
    """TF's ``Mean`` on CPU: the Eigen sum, then one division by float32(n)."""
    v = np.asarray(values, dtype=F32).ravel()
    return F32(eigen_sum(v) / F32(len(v)))


def fma32(a: SupportsFloat, b: SupportsFloat, c: SupportsFloat) -> np.float32:
    """float32 ``a * b + c`` rounded once, as a hardware fused multiply-add.

    The product of two float32 numbers is exact in float64. The float64 sum is not, and rounding
    it again to float32 could round twice; so the sum is first rounded *to odd* (TwoSum gives the
    exact error; an inexact result gets an odd last bit), which makes the final rounding to
    float32 correct, since float64 carries more than 24 + 2 bits.
    """
    product = float(a) * float(b)
    addend = float(c)
    total = product + addend
    virtual = total - addend
    error = (product - (total - virtual)) + (addend - virtual)
    if error != 0.0 and math.isfinite(total) and math.frexp(total)[0] * 2.0**53 % 2 == 0:
        total = math.nextafter(total, math.inf if error > 0 else -math.inf)
    return F32(total)


def onednn_dot(x: npt.ArrayLike, y: npt.ArrayLike, fma: bool | None = None) -> np.float32:
    """``x · y`` as oneDNN's sgemm computes a one-output product: a chain in index order from 0.

    With FMA (``fma=None`` asks the CPU) each term is fused into the running sum; without it,
    each product is rounded before it is added.
    """
    use_fma = cpu_has_fma() if fma is None else fma
    total = F32(0)
    for a, b in zip(
        np.asarray(x, dtype=F32).ravel(), np.asarray(y, dtype=F32).ravel(), strict=True
    ):
        total = fma32(a, b, total) if use_fma else F32(total + F32(a * b))
    return total


@functools.cache
def cpu_has_fma() -> bool:
    """Whether oneDNN will use FMA here. Read from Linux's CPU flags; assumed on elsewhere."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    flag_lines = [line for line in cpuinfo.splitlines() if line.startswith("flags")]
    return not flag_lines or "fma" in flag_lines[0].split()
