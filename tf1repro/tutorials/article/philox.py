"""TensorFlow's seeded ``random_normal`` in float32, bit for bit, without TensorFlow.

A TF1 graph under ``tf.set_random_seed(s)`` initialises a variable with a
``RandomStandardNormal`` op whose two integer attributes, ``seed`` and ``seed2``, come from the
graph seed and an op-level seed (``op_seeds``, TensorFlow's ``get_seed`` rules). On CPU the op
then draws, on its first run, from a Philox4x32-10 counter-based generator keyed by ``seed``
with ``seed2`` in the upper half of the 128-bit counter: the k-th 128-bit block is the counter
advanced by k, encrypted, and read as four uint32. Each pair of uint32 becomes two normals by
Box-Muller: ``u`` and ``w`` in [0, 1) from the low 23 bits of each, ``u`` raised to 1e-7, then
``sqrt(-2 log u) * (sin, cos)(2 pi w)``, all in float32 except ``2 pi w``, which C computes
in double before rounding it to float.

The transcendental functions are what make this hard. TensorFlow calls the C library's float32
``logf`` and ``sincosf`` (on Linux) or ``sinf``/``cosf``, which are not correctly rounded, so
NumPy's own float32 ufuncs, or float64 rounded to float32, disagree with them on some inputs
(on glibc 2.36, of the 2**23 possible arguments: float32 ``np.log`` differs from ``logf`` on
22%, float64 rounded on 0.7%; ``sin``/``cos`` likewise). Every other step is exact in NumPy.
So this module calls the same C functions as TensorFlow, one element at a time through
``ctypes``: a few microseconds per pair of values, and the same bits as TensorFlow's kernel on
the same machine.

>>> from tf1repro.tutorials.article.philox import graph_random_normal
>>> graph_random_normal([1], graph_seeds=[0, 1, 2]).shape    # one op per graph seed
(3, 1)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
import sys
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

#: TensorFlow reduces op-level and graph-level seeds modulo this (``_truncate_seed``).
MAX_INT32 = 2**31 - 1
#: The graph seed TensorFlow assumes when only an op-level seed is given.
DEFAULT_GRAPH_SEED = 87654321

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
# Philox4x32's multipliers and key increments (the Weyl sequence of the golden ratio and of
# sqrt(3) - 1), as published by Salmon et al., "Parallel random numbers: as easy as 1, 2, 3".
_MULTIPLIERS = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
_KEY_STEPS = (np.uint64(0x9E3779B9), np.uint64(0xBB67AE85))
_ROUNDS = 10
#: Philox gives 128 bits a call: four uint32, hence four float32 normals.
BLOCK = 4
#: Box-Muller's guard against log(0), a float32 constant in TensorFlow's kernel.
_SMALLEST_U = np.float32(1.0e-7)
_TWO_PI = 2.0 * math.pi


def op_seeds(
    graph_seed: int | None, op_seed: int | None = None, *, op_index: int = 0
) -> tuple[int, int]:
    """The ``(seed, seed2)`` attributes TensorFlow gives a random op, as ``tf.get_seed`` does.

    ``graph_seed`` is the graph's ``tf.set_random_seed`` value (None if unset) and ``op_seed``
    the op's ``seed=`` argument. When only the graph seed is set, TensorFlow numbers the graph's
    seedless random ops 0, 1, 2, ... in creation order: ``op_index`` is that number (0 for a
    graph's first ``random_normal``). Both seeds are reduced modulo 2**31 - 1, and (0, 0), which
    the kernels read as "unseeded", becomes (0, 2**31 - 1).
    """
    if graph_seed is None and op_seed is None:
        raise ValueError("without a graph seed or an op seed TensorFlow draws unseeded values")
    if op_seed is None:
        op_seed = op_index
    seeds = (
        DEFAULT_GRAPH_SEED if graph_seed is None else graph_seed % MAX_INT32,
        op_seed % MAX_INT32,
    )
    return (0, MAX_INT32) if seeds == (0, 0) else seeds


def philox4x32(counter: npt.ArrayLike, key: npt.ArrayLike) -> npt.NDArray[np.uint32]:
    """Philox4x32-10 of ``counter`` (uint32[..., 4]) under ``key`` (uint32[..., 2]).

    Ten rounds; each multiplies words 0 and 2 by the round constants, swaps the halves of the
    products into place, and mixes in the key, which grows by the Weyl constants every round.
    """
    words = np.asarray(counter, dtype=np.uint32).astype(np.uint64)
    keys = np.asarray(key, dtype=np.uint32).astype(np.uint64)
    words, keys = np.broadcast_arrays(words, keys[..., [0, 1, 0, 1]])
    c = [words[..., i] for i in range(4)]
    k = [keys[..., 0], keys[..., 1]]
    for _ in range(_ROUNDS):
        # Each product of two uint32 fits in uint64: its halves feed the next round.
        product_0 = _MULTIPLIERS[0] * c[0]
        product_1 = _MULTIPLIERS[1] * c[2]
        c = [
            (product_1 >> _SHIFT32) ^ c[1] ^ k[0],
            product_1 & _MASK32,
            (product_0 >> _SHIFT32) ^ c[3] ^ k[1],
            product_0 & _MASK32,
        ]
        k = [(k[0] + _KEY_STEPS[0]) & _MASK32, (k[1] + _KEY_STEPS[1]) & _MASK32]
    return np.stack(c, axis=-1).astype(np.uint32)


def philox_blocks(seed: npt.ArrayLike, seed2: npt.ArrayLike, blocks: int) -> npt.NDArray[np.uint32]:
    """The first ``blocks`` 128-bit outputs of TensorFlow's ``PhiloxRandom(seed, seed2)``.

    ``seed`` and ``seed2`` are int64 attributes, reinterpreted as uint64 as C++ does; arrays
    of them give one generator each. The key is ``seed`` (low word first) and the counter
    starts at (0, 0, low and high word of ``seed2``); block k encrypts the counter advanced by
    k. Returns ``uint32[*seed.shape, blocks, 4]``.
    """
    seed_bits = np.asarray(seed, dtype=np.int64).view(np.uint64)
    seed2_bits = np.asarray(seed2, dtype=np.int64).view(np.uint64)
    seed_bits, seed2_bits = np.broadcast_arrays(seed_bits, seed2_bits)
    index = np.arange(blocks, dtype=np.uint64)
    counter = np.empty((*seed_bits.shape, blocks, 4), dtype=np.uint64)
    counter[..., 0] = index & _MASK32
    counter[..., 1] = index >> _SHIFT32
    counter[..., 2] = (seed2_bits & _MASK32)[..., np.newaxis]
    counter[..., 3] = (seed2_bits >> _SHIFT32)[..., np.newaxis]
    key = np.stack([seed_bits & _MASK32, seed_bits >> _SHIFT32], axis=-1)[..., np.newaxis, :]
    return philox4x32(counter.astype(np.uint32), key.astype(np.uint32))


def uniform_float32(bits: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """TensorFlow's uint32 -> float32 in [0, 1): the low 23 bits as the mantissa of [1, 2), - 1."""
    mantissa = np.asarray(bits, dtype=np.uint32) & np.uint32(0x7FFFFF)
    one_to_two = (mantissa | np.uint32(127 << 23)).view(np.float32)
    return np.asarray(one_to_two - np.float32(1), dtype=np.float32)


def box_muller(
    radius_bits: npt.ArrayLike, angle_bits: npt.ArrayLike
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Two float32 normals from two uint32 arrays, as TensorFlow's ``BoxMullerFloat``.

    The first is ``r * sin(theta)``, the second ``r * cos(theta)``, where ``r`` comes from the
    first array's uniform and ``theta`` from the second's.
    """
    u = np.maximum(uniform_float32(radius_bits), _SMALLEST_U)
    # C evaluates 2.0f * M_PI * w in double (M_PI is a double), then stores it as a float.
    theta = (_TWO_PI * uniform_float32(angle_bits).astype(np.float64)).astype(np.float32)
    log_u, sine, cosine = _libm_log_sin_cos(u.reshape(-1), theta.reshape(-1))
    # float32 * float32 and sqrt are correctly rounded, in NumPy as in C.
    radius = np.sqrt(np.float32(-2) * log_u.reshape(u.shape))
    return sine.reshape(u.shape) * radius, cosine.reshape(u.shape) * radius


def random_standard_normal(
    shape: Sequence[int], seed: npt.ArrayLike, seed2: npt.ArrayLike
) -> npt.NDArray[np.float32]:
    """What ``RandomStandardNormal(shape, float32, seed, seed2)`` returns on its first run (CPU).

    ``seed`` and ``seed2`` may be arrays, one op each: the result is ``[*seed.shape, *shape]``.
    """
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"shape {list(dims)} has a negative dimension")
    size = math.prod(dims)
    blocks = -(-size // BLOCK)
    bits = philox_blocks(seed, seed2, blocks)
    lead = bits.shape[:-2]
    # Element j is lane j % 4 of block j // 4; lanes (0, 1) and (2, 3) are Box-Muller pairs.
    pairs = bits.reshape(*lead, blocks * BLOCK // 2, 2)[..., : -(-size // 2), :]
    first, second = box_muller(pairs[..., 0], pairs[..., 1])
    values = np.stack([first, second], axis=-1).reshape(*lead, -1)[..., :size]
    return values.reshape(*lead, *dims)


def graph_random_normal(
    shape: Sequence[int],
    graph_seeds: npt.ArrayLike,
    *,
    op_seed: int | None = None,
    op_index: int = 0,
    mean: float = 0.0,
    stddev: float = 1.0,
) -> npt.NDArray[np.float32]:
    """``tf.random_normal(shape, mean, stddev, seed=op_seed)`` in one graph per graph seed.

    The values a TF1 graph with ``tf.set_random_seed(graph_seeds[r])`` draws the first time it
    runs the op (e.g. a variable's initial value). ``op_index`` numbers the op among the
    graph's seedless random ops (see ``op_seeds``). Returns ``float32[len(graph_seeds), *shape]``.
    """
    graph = np.asarray(graph_seeds, dtype=np.int64).reshape(-1)
    if op_seed is None:
        op_seed = op_index
    # Vectorised op_seeds: the op seed is the same for every graph, only the graph seed varies.
    seed = graph % MAX_INT32
    seed2 = np.full_like(seed, op_seed % MAX_INT32)
    seed2[(seed == 0) & (seed2 == 0)] = MAX_INT32
    normal = random_standard_normal(shape, seed, seed2)
    # tf.random_normal scales then shifts, two float32 kernels, each rounding once.
    return np.asarray(normal * np.float32(stddev) + np.float32(mean), dtype=np.float32)


def _libm_log_sin_cos(
    u: npt.NDArray[np.float32], theta: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``logf(u)``, ``sinf(theta)`` and ``cosf(theta)`` from the C library, element by element."""
    library = _libm()
    logf = library.logf
    log_u = np.array([logf(value) for value in u.tolist()], dtype=np.float32)
    sine, cosine = ctypes.c_float(), ctypes.c_float()
    sin_cos = np.empty((len(theta), 2), dtype=np.float32)
    if _HAS_SINCOSF and hasattr(library, "sincosf"):
        # TensorFlow's Linux build computes both at once, with glibc's own sincosf.
        sincosf, out_sine, out_cosine = library.sincosf, ctypes.byref(sine), ctypes.byref(cosine)
        for i, value in enumerate(theta.tolist()):
            sincosf(value, out_sine, out_cosine)
            sin_cos[i] = sine.value, cosine.value
    else:
        sinf, cosf = library.sinf, library.cosf
        for i, value in enumerate(theta.tolist()):
            sin_cos[i] = sinf(value), cosf(value)
    return log_u, sin_cos[:, 0], sin_cos[:, 1]


#: TensorFlow calls sincosf where ``__linux__`` is defined, sinf and cosf elsewhere.
_HAS_SINCOSF = sys.platform.startswith("linux")


@functools.cache
def _libm() -> ctypes.CDLL:
    """The C math library, whose float32 ``logf``, ``sincosf``, ``sinf``, ``cosf`` TF calls."""
    name = ctypes.util.find_library("m") or ctypes.util.find_library("c")
    if name is None:
        raise OSError(
            "tf1repro.tutorials.article.philox needs the C math library (libm), which was not found"
        )
    library = ctypes.CDLL(name)
    c_float, pointer = ctypes.c_float, ctypes.POINTER(ctypes.c_float)
    for function in ("logf", "sinf", "cosf"):
        getattr(library, function).argtypes = [c_float]
        getattr(library, function).restype = c_float
    if hasattr(library, "sincosf"):
        library.sincosf.argtypes = [c_float, pointer, pointer]
        library.sincosf.restype = None
    return library


__all__ = [
    "BLOCK",
    "DEFAULT_GRAPH_SEED",
    "MAX_INT32",
    "box_muller",
    "graph_random_normal",
    "op_seeds",
    "philox4x32",
    "philox_blocks",
    "random_standard_normal",
    "uniform_float32",
]
