"""Float32 mirrors of the TensorFlow CPU kernels whose results depend on summation order.

Elementwise float32 ops round the same way in NumPy and in TensorFlow, so the reference trainer
can write them as plain NumPy. Reductions are different: the sum of n float32 numbers depends on
the order of the additions, and TensorFlow's kernels do not add left to right. These functions
add in the kernels' order, so that the reference can match the graph bit for bit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = np.float32

#: Lanes in one of Eigen's float packets in TensorFlow's x86 builds (AVX: 8 floats).
EIGEN_PACKET = 8


def eigen_sum(values: npt.NDArray[np.float32]) -> np.float32:
    """Sum as Eigen's full reduction does it (TF's ``Sum``, and ``Mean`` before its division).

    Whole packets are added lane-wise into one accumulator; the leftover tail is added one by
    one into a scalar that starts at 0; the packet is then folded by halves (lane i + lane i+4,
    then i + i+2, then 0 + 1) and added to the scalar.
    """
    values = np.asarray(values, dtype=F32)
    whole = len(values) - len(values) % EIGEN_PACKET
    packet = np.zeros(EIGEN_PACKET, dtype=F32)
    for start in range(0, whole, EIGEN_PACKET):
        packet = packet + values[start : start + EIGEN_PACKET]
    tail = F32(0)
    for value in values[whole:]:
        tail = F32(tail + value)
    while len(packet) > 1:
        half = len(packet) // 2
        packet = packet[:half] + packet[half:]
    return F32(tail + packet[0])


def sequential_sum(values: npt.NDArray[np.float32]) -> np.float32:
    """Left-to-right float32 sum."""
    total = F32(0)
    for value in np.asarray(values, dtype=F32):
        total = F32(total + value)
    return total
