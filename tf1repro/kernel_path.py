"""Which CPU kernels TensorFlow runs in this process: oneDNN or Eigen, with or without FMA.

Most float32 ops round the same way on every path, but a reduction's result depends on the order
of its additions and a fused multiply-add rounds once where a multiply and an add round twice.
TensorFlow's x86-64 Linux build rewrites ``MatMul`` and friends to oneDNN unless
``TF_ENABLE_ONEDNN_OPTS=0`` is set before it is imported, and oneDNN generates code for the
running CPU (with FMA where the CPU has it, unless ``ONEDNN_MAX_CPU_ISA`` withholds it). So the
path decides bits, and a record says which path made it (``Record.platform["kernels"]``).

``detect_kernel_path`` measures the path in the process that runs TensorFlow, with two crafted
products through ``MatMul``; ``expected_kernel_path`` predicts it without importing TensorFlow.
Tutorials whose NumPy twin mirrors kernel orders (the article's, in
``tf1repro/tutorials/article/kernels.py``) choose their mirror from it.
"""

from __future__ import annotations

import functools
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

F32 = np.float32


@dataclass(frozen=True)
class KernelPath:
    """Which CPU kernels a TensorFlow process runs, as far as the article's numbers can tell.

    Both paths are chains in index order for the article's one-output ``MatMul`` gradient
    (``in_order``); they differ only in whether each term is fused into the sum (``fma``).
    """

    onednn: bool
    """TensorFlow rewrites ops such as ``MatMul`` to oneDNN (``TF_ENABLE_ONEDNN_OPTS``)."""
    fma: bool
    """``MatMul``'s dot product fuses each multiply-add (rounds once per term)."""
    in_order: bool = True
    """``MatMul``'s dot product adds in index order, as the mirrors here do."""

    @property
    def label(self) -> str:
        """E.g. ``"onednn+fma"`` (the default), ``"onednn"`` or ``"eigen"``."""
        name = ("onednn" if self.onednn else "eigen") + ("+fma" if self.fma else "")
        return name if self.in_order else f"{name}+other-order"

    @classmethod
    def from_label(cls, label: str) -> KernelPath:
        """The path a ``label`` names (the inverse of ``label``, e.g. for a recorded run)."""
        base, *flags = label.split("+")
        if base not in ("onednn", "eigen") or not set(flags) <= {"fma", "other-order"}:
            raise ValueError(
                f"kernel path {label!r} is not one of onednn+fma, onednn, eigen, eigen+fma"
                " (each optionally +other-order)"
            )
        return cls(onednn=base == "onednn", fma="fma" in flags, in_order="other-order" not in flags)


ONEDNN_FMA = KernelPath(onednn=True, fma=True)
"""TensorFlow's default on x86-64 Linux with an FMA CPU."""
EIGEN = KernelPath(onednn=False, fma=False)
"""``TF_ENABLE_ONEDNN_OPTS=0``: Eigen's kernels only."""


# The probes: a [k, 1]^T @ [k, 1] product, shaped like the article's MatMul gradient. In the first
# the exact second term (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24 fits in float32, but the rounded product
# 1 + 2^-11 loses the 2^-24: fused, the chain keeps it. In the second every product is exact, and
# in index order each 1 is lost next to 2^24 (a tie, to even) until -2^24 cancels it: a chain
# gives 7, Eigen's 8-lane reduction order would give 14.
_FMA_PROBE = (np.array([1, 1 + 2**-12], dtype=F32), np.array([-1, 1 + 2**-12], dtype=F32))
_ORDER_PROBE = (np.array([2**24] + [1] * 7 + [-(2**24)] + [1] * 7, dtype=F32), np.ones(16, F32))
#: The first probe's result fused, and with each product rounded; the second's in index order.
_FUSED, _ROUNDED, _IN_ORDER = F32(2**-11 + 2**-24), F32(2**-11), F32(7)


@functools.cache
def cpu_vendor() -> str:
    """The CPU's vendor (``GenuineIntel``, ``AuthenticAMD``...), or ``unknown``.

    It decides bits too: Eigen's float reciprocal (in the gradient of ``log1p``, for one) starts
    from the CPU's reciprocal estimate (``rcpps``), whose bits each vendor defines its own way,
    and refines it with one Newton step, so the last bit can differ between vendors on the same
    TensorFlow and kernel path.
    """
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "vendor_id" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@functools.cache
def detect_kernel_path() -> KernelPath:
    """Measure the path this process's TensorFlow runs; cached, since TF fixes it at import.

    ``onednn`` is what TensorFlow reports; ``fma`` and ``in_order`` are measured by running the
    probes above through ``MatMul`` (transposed like the gradient) in a fresh graph and session,
    or eagerly where v2 behaviour is on, as that process's own training would. Imports TensorFlow
    (v2 behaviour off, as the graph backend does) if it is not imported yet.
    """
    from tf1repro import runtime

    tf = sys.modules.get("tensorflow")
    if tf is None:
        runtime.tf_v1()
        tf = sys.modules["tensorflow"]
    products = _probe_products(tf, runtime)
    return KernelPath(
        onednn=_tensorflow_uses_onednn(),
        fma=bool(products[0] == _FUSED and products[0] != _ROUNDED),
        in_order=bool(products[1] == _IN_ORDER),
    )


def measured_platform() -> dict[str, str]:
    """How this process's TensorFlow computes, beyond versions (a record's ``platform``): its
    CPU kernel path, measured by ``detect_kernel_path``, and the CPU's vendor (``cpu_vendor``)."""
    return {"kernels": detect_kernel_path().label, "cpu": cpu_vendor()}


def _probe_products(tf: Any, runtime: ModuleType) -> list[np.float32]:
    """The probes' ``x^T @ y`` through TensorFlow's ``MatMul``, as this process would run it."""
    columns = [(x.reshape(-1, 1), y.reshape(-1, 1)) for x, y in (_FMA_PROBE, _ORDER_PROBE)]
    if tf.executing_eagerly():
        return [F32(tf.linalg.matmul(x, y, transpose_a=True).numpy()[0, 0]) for x, y in columns]
    v1 = tf.compat.v1
    with runtime.graph_session(0) as session:
        # Fed placeholders, as in the training graph: constants could be folded by Grappler
        # before the graph runs, and the probe would not measure the session's own kernel.
        left = v1.placeholder(tf.float32, shape=[None, 1])
        right = v1.placeholder(tf.float32, shape=[None, 1])
        product = tf.linalg.matmul(left, right, transpose_a=True)
        return [F32(session.run(product, feed_dict={left: x, right: y})[0, 0]) for x, y in columns]


def _tensorflow_uses_onednn() -> bool:
    """TensorFlow's own answer; the documented environment variable if this build lacks it."""
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        return _onednn_expected()


def expected_kernel_path() -> KernelPath:
    """The path TensorFlow would take in this process, predicted without importing it.

    From ``TF_ENABLE_ONEDNN_OPTS`` (oneDNN is on by default for x86-64 Linux since TF 2.9) and
    the CPU's flags. A prediction: ``ONEDNN_MAX_CPU_ISA`` or another build can make it wrong,
    which ``detect_kernel_path`` would see.
    """
    onednn = _onednn_expected()
    return KernelPath(onednn=onednn, fma=onednn and cpu_has_fma())


def current_kernel_path() -> KernelPath:
    """The path to mirror here: measured if TensorFlow is imported, else ``expected_kernel_path``.

    A process that only replays recorded runs in NumPy need not import TensorFlow for this.
    """
    if "tensorflow" in sys.modules:
        return detect_kernel_path()
    return expected_kernel_path()


def _onednn_expected() -> bool:
    default = platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")
    setting = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").lower()
    if setting in ("1", "true"):
        return True
    if setting in ("0", "false"):
        return False
    return default


@functools.cache
def cpu_has_fma() -> bool:
    """Whether the CPU has FMA (oneDNN then uses it). Read from Linux's CPU flags; assumed on
    elsewhere."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    flag_lines = [line for line in cpuinfo.splitlines() if line.startswith("flags")]
    return not flag_lines or "fma" in flag_lines[0].split()
