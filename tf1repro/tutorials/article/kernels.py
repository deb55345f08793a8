"""Float32 mirrors of the TensorFlow CPU kernels whose results depend on the order of operations.

Elementwise float32 ops round the same way in NumPy and in TensorFlow, so the reference trainers
write them as plain NumPy. Reductions and fused multiply-adds are different: the sum of n float32
numbers depends on the order of the additions, and ``fma(a, b, c)`` rounds once where
``a * b + c`` rounds twice. The functions here reproduce what TensorFlow's x86-64 CPU build does,
established by feeding both the same inputs and comparing bits (hundreds of random inputs for
every n from 1 to 100, spot checks up to 4096, and crafted inputs that separate the orders):

* Eigen (``Sum``, ``Mean``, ``ApplyGradientDescent``) is compiled for AVX: 8-float packets, no
  fused multiply-add, so its results do not depend on the CPU that runs them.
* ``MatMul`` takes one of two paths, chosen when TensorFlow is imported (``KernelPath``):

  - oneDNN on (the default on x86-64 Linux since TF 2.9): ``MatMul`` is rewritten to oneDNN's
    ``sgemm``, which generates code for the running CPU. A one-output product (the article's
    gradient ``x^T @ upstream``, ``[k, 1]^T @ [k, 1]``) is a chain in index order from 0; on a
    CPU with FMA (every x86-64 CPU since about 2013) each term is fused into the running sum,
    without FMA (or with oneDNN capped below AVX2 by ``ONEDNN_MAX_CPU_ISA``) each product is
    rounded before it is added.
  - oneDNN off (``TF_ENABLE_ONEDNN_OPTS=0``): Eigen's own contraction. For a one-output product
    it is the same chain in index order, each product rounded before it is added (Eigen is built
    without FMA), on every CPU: ``eigen_dot``. This is the oneDNN chain without FMA, so it
    differs from the default path exactly where fusing changes a term's rounding.

  Nothing else in the article's graphs changes with the path: ``Mean``, ``Square``'s and
  ``Mul``'s gradients and ``ApplyGradientDescent`` give the same bits with oneDNN on and off.
  ``matmul_grad`` picks the mirror for a ``KernelPath``; ``tf1repro.kernel_path`` measures, in the
  process that runs TensorFlow, which path its kernels take.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tf1repro.kernel_path import KernelPath, cpu_has_fma, current_kernel_path

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
    in_packets = n - n % EIGEN_PACKET
    tail = np.zeros(lead, dtype=F32)
    for j in range(in_packets, n):
        tail = tail + v[..., j]
    if not in_packets:
        # The packet never received a value: it folds to +0.0, which the scalar still gets.
        return np.asarray(tail + F32(0), dtype=F32)
    if in_blocks:
        accumulators = np.zeros((*lead, EIGEN_ACCUMULATORS, EIGEN_PACKET), dtype=F32)
        for start in range(0, in_blocks, block):
            accumulators += v[..., start : start + block].reshape(accumulators.shape)
        packet = accumulators[..., 0, :]
        for k in range(1, EIGEN_ACCUMULATORS):
            packet = packet + accumulators[..., k, :]
    else:
        packet = np.zeros((*lead, EIGEN_PACKET), dtype=F32)  # four zero accumulators, added
    for start in range(in_blocks, in_packets, EIGEN_PACKET):
        packet = packet + v[..., start : start + EIGEN_PACKET]
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
    return _chain_dot(x, y, fused=cpu_has_fma() if fma is None else fma)


def eigen_dot(x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """``x · y`` over the last axis as Eigen's contraction computes a one-output product.

    This is ``MatMul`` with oneDNN off. A chain in index order from 0, each product rounded to
    float32 before it is added: Eigen is built without FMA, so the result is the same on every
    CPU. Leading axes are independent runs.
    """
    return _chain_dot(x, y, fused=False)


def _chain_dot(x: npt.ArrayLike, y: npt.ArrayLike, *, fused: bool) -> npt.NDArray[np.float32]:
    xs, ys = np.broadcast_arrays(np.asarray(x, dtype=F32), np.asarray(y, dtype=F32))
    if fused:
        return _fma_chain(xs, ys)
    total = np.zeros(xs.shape[:-1], dtype=F32)
    for j in range(xs.shape[-1]):
        total = total + xs[..., j] * ys[..., j]
    return np.asarray(total, dtype=F32)


def _fma_chain(xs: npt.NDArray[np.float32], ys: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """``total = fma(x_j, y_j, total)`` for j = 0, 1, ...: two NumPy calls a term, not ``fma32``'s
    dozen.

    Each product is exact in float64 and each running sum is rounded to float64, then float32.
    That double rounding equals ``fma32``'s single one unless the float64 sum lies exactly
    halfway between two float32 numbers (or in float32's subnormal range): rare, so runs whose
    chain met such a sum are recomputed with ``fma32``.
    """
    lead, n = xs.shape[:-1], xs.shape[-1]
    rows_x, rows_y = xs.reshape(-1, n), ys.reshape(-1, n)
    # Terms along the first axis, so that each term of every run is one contiguous slice.
    products = np.empty((n, len(rows_x)), dtype=np.float64)
    np.multiply(rows_x.T, rows_y.T, out=products, dtype=np.float64)
    sums = np.empty_like(products)
    total = np.zeros(len(rows_x), dtype=F32)
    for j in range(n):
        np.add(products[j], total, out=sums[j])
        total = sums[j].astype(F32)
    hazards = _float32_hazards(sums)
    if hazards.any():
        redo = hazards.any(axis=0)
        exact = np.zeros(int(redo.sum()), dtype=F32)
        for j in range(n):
            exact = fma32(rows_x[redo, j], rows_y[redo, j], exact)
        total[redo] = exact
    return total.reshape(lead)


def _float32_hazards(values: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Where rounding a float64 to float32 might not round the value it approximates correctly.

    A float64 in float32's normal range is a float32 midpoint when its 29 extra mantissa bits
    are exactly 1 followed by 28 zeros; below 2**-126 float32 keeps fewer bits, so all count.
    Integer tests on the bits, in place: this runs on every sum of every chain.
    """
    bits = values.view(np.int64)
    scratch = np.bitwise_and(bits, _EXTRA_BITS)
    midpoint = scratch == _HALF_EXTRA
    # |v| as an integer, minus one: below the float32 threshold unless v is 0 (which wraps).
    np.bitwise_and(bits, _MAGNITUDE_BITS, out=scratch)
    np.subtract(scratch, 1, out=scratch)
    tiny = scratch.view(np.uint64) < _TINY_BITS_MINUS_ONE
    return np.asarray(midpoint | tiny)


#: The float64 mantissa bits that float32 drops, and the pattern of exactly half of them.
_EXTRA_BITS = np.int64((1 << 29) - 1)
_HALF_EXTRA = np.int64(1 << 28)
_MAGNITUDE_BITS = np.int64((1 << 63) - 1)
_TINY_BITS_MINUS_ONE = np.float64(np.finfo(np.float32).tiny).view(np.uint64) - np.uint64(1)


def matmul_grad(
    x: npt.ArrayLike, upstream: npt.ArrayLike, path: KernelPath | None = None
) -> npt.NDArray[np.float32]:
    """``MatMul``'s gradient for a ``[1, 1]`` right operand: ``x^T @ upstream`` over the last axis.

    Computed as ``path``'s kernels sum it (``None``: ``current_kernel_path()``). With FMA that is
    oneDNN's fused chain; without, Eigen's (and oneDNN's on a CPU without FMA) rounded chain.
    """
    chosen = current_kernel_path() if path is None else path
    return _chain_dot(x, upstream, fused=chosen.fma)
