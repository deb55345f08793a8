"""Time a full study in one process: the old and new paths, both backends, and the hardware floor.

    python benchmarks/bench_study.py              # 10,000 runs x 7 batch sizes x 100 steps

* initial A: every run's TensorFlow ``random_normal`` draw, by TensorFlow (one op per seed, the
  old path) and by ``tf1repro.tutorials.article.philox`` (the new one); the bits must agree.
* NumPy training: the vectorised NumPy trainer with its FMA dot product as it was (``fma32`` on
  every term, the old path) and as it is (a float64 chain, ``fma32`` only where a sum is a
  float32 midpoint); every run's A and loss must agree. Both columns share the trainer's other
  speed-ups (all steps' rows gathered at once, targets broadcast, a leaner Eigen sum), so the
  ratio is the dot product's alone.
* the whole study on the NumPy backend, old path vs new path (initial A + training).
* graph: the vectorised TF1 graph trainer; naive: a Graph and a Session per run, timed on
  ``--sample`` runs per batch size and extrapolated (printed as such).
* the floor: the multiply-adds the study performs per second of NumPy training, against
  NumPy's own float32 ``np.dot`` of two long vectors (BLAS), measured here and now.

Times are wall-clock seconds after ``import tensorflow``; every ratio compares figures measured
in this run, on this machine.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tf1repro import runtime, train
from tf1repro.tutorials.article import TrainConfig, kernels, part_config
from tf1repro.tutorials.article.study import DEFAULT_BATCH_SIZES
from tf1repro.tutorials.article.vectorised import ManyRuns, train_many
from tf1repro.tutorials.article.vectorised.initial import (
    graph_initial_values,
    mirror_initial_values,
)

TRAINERS = ("stochastic", "batch")
#: float32 elements per vector for the np.dot floor: 16 MB each, far beyond the L2 cache.
DOT_LENGTH = 2**22


def trainer_for(batch_size: int) -> str:
    return "stochastic" if batch_size == 1 else "batch"


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def fma32_per_term_dot(
    x: npt.ArrayLike, y: npt.ArrayLike, fma: bool | None = None
) -> npt.NDArray[np.float32]:
    """The FMA dot product as the NumPy trainer computed it before: ``fma32`` on every term."""
    xs, ys = np.broadcast_arrays(np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32))
    total = np.zeros(xs.shape[:-1], dtype=np.float32)
    for j in range(xs.shape[-1]):
        total = kernels.fma32(xs[..., j], ys[..., j], total)
    return total


@contextmanager
def old_dot_product() -> Iterator[None]:
    new = kernels.onednn_dot
    kernels.onednn_dot = fma32_per_term_dot
    try:
        yield
    finally:
        kernels.onednn_dot = new


def train_all(
    seeds: npt.NDArray[np.int64], backend: str, a0: dict[str, npt.NDArray[np.float32]]
) -> dict[int, ManyRuns]:
    return {
        size: train_many(
            trainer_for(size),
            TrainConfig(batch_size=size),
            seeds,
            backend=backend,
            a0=a0[trainer_for(size)],
        )
        for size in DEFAULT_BATCH_SIZES
    }


def same_runs(one: dict[int, ManyRuns], other: dict[int, ManyRuns]) -> bool:
    return all(
        np.array_equal(one[s].a.view(np.uint32), other[s].a.view(np.uint32))
        and np.array_equal(one[s].loss.view(np.uint32), other[s].loss.view(np.uint32))
        for s in one
    )


def dot_multiply_adds_per_second(repeats: int = 20) -> float:
    """NumPy's float32 ``np.dot`` of two long vectors, best of ``repeats``, in multiply-adds/s."""
    rng = np.random.default_rng(0)
    x, y = (rng.normal(size=DOT_LENGTH).astype(np.float32) for _ in range(2))
    np.dot(x, y)
    best = min(timed(lambda: np.dot(x, y)) for _ in range(repeats))
    return DOT_LENGTH / best


def blas_description() -> str:
    """NumPy's BLAS, the kernel OpenBLAS chose for this CPU, and any OPENBLAS_CORETYPE."""
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]  # type: ignore[index]
    except (TypeError, KeyError):  # NumPy < 1.25 prints its configuration only
        config = {}
    text = f"{config.get('name', 'unknown BLAS')} {config.get('version', '')}".strip()
    core = _openblas_core()
    if core:
        text += f", kernel {core}"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return text + (f" (OPENBLAS_CORETYPE={forced})" if forced else " (OPENBLAS_CORETYPE unset)")


def _openblas_core() -> str:
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return ""
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line}
    for path in sorted(paths):
        library = ctypes.CDLL(path)
        for name in ("openblas_get_corename", "scipy_openblas_get_corename64_"):
            function = getattr(library, name, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return str(function().decode())
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=5, help="naive runs timed per batch size")
    args = parser.parse_args()
    sizes = DEFAULT_BATCH_SIZES
    seeds = np.arange(args.runs, dtype=np.int64)
    load_before = os.getloadavg()[0]
    runtime.tf_v1()  # import TensorFlow before any clock starts
    train("batch", TrainConfig(), 0)  # and warm it up

    per_naive_run = timed(
        lambda: [
            train(
                trainer_for(size),
                part_config(trainer_for(size), TrainConfig(batch_size=size)),
                seed,
            )
            for size in sizes
            for seed in range(args.sample)
        ]
    ) / (args.sample * len(sizes))
    naive = per_naive_run * args.runs * len(sizes)

    a0_tf: dict[str, npt.NDArray[np.float32]] = {}
    a0_mirror: dict[str, npt.NDArray[np.float32]] = {}
    init_old = timed(
        lambda: a0_tf.update({t: graph_initial_values(t, TrainConfig(), seeds) for t in TRAINERS})
    )
    init_new = timed(
        lambda: a0_mirror.update({t: mirror_initial_values(t, seeds) for t in TRAINERS})
    )
    init_same = all(
        np.array_equal(a0_tf[t].view(np.uint32), a0_mirror[t].view(np.uint32)) for t in TRAINERS
    )

    runs: dict[str, dict[int, ManyRuns]] = {}
    cpu_began = time.process_time()
    train_new = timed(lambda: runs.update(new=train_all(seeds, "numpy", a0_mirror)))
    train_new_cpu = time.process_time() - cpu_began
    with old_dot_product():
        train_old = timed(lambda: runs.update(old=train_all(seeds, "numpy", a0_mirror)))
    train_graph_backend = timed(lambda: runs.update(graph=train_all(seeds, "graph", a0_mirror)))
    dot_rate = dot_multiply_adds_per_second()

    total_runs = args.runs * len(sizes)
    steps = TrainConfig().steps
    # One multiply-add per sample and step: the gradient's dot product (the forward pass adds
    # as many multiplies again; the floor below counts the dot product alone, as np.dot does).
    multiply_adds = args.runs * steps * sum(sizes)
    study_old, study_new = init_old + train_old, init_new + train_new
    rate = multiply_adds / train_new

    print(
        f"{args.runs} runs x {len(sizes)} batch sizes {sizes} x {steps} steps = {total_runs} "
        f"runs, {multiply_adds:.3g} multiply-adds"
    )
    print(f"BLAS: {blas_description()}")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load_before:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end; the new NumPy training used {train_new_cpu:.2f} s "
        f"of CPU for {train_new:.2f} s of wall time"
    )
    print(f"{'':34} {'old path':>9} {'new path':>9} {'old/new':>8}")
    print(
        f"{'initial A (TF -> philox mirror)':34} {init_old:8.2f}s {init_new:8.2f}s "
        f"{init_old / init_new:7.0f}x  bits identical: {init_same}"
    )
    print(
        f"{'NumPy training (FMA dot product)':34} {train_old:8.2f}s {train_new:8.2f}s "
        f"{train_old / train_new:7.1f}x  runs identical: {same_runs(runs['old'], runs['new'])}"
    )
    print(
        f"{'study, NumPy backend (A + train)':34} {study_old:8.2f}s {study_new:8.2f}s "
        f"{study_old / study_new:7.1f}x  goal: new < 10 s"
    )
    print(
        f"{'study, graph backend (A + train)':34} {init_old + train_graph_backend:8.2f}s "
        f"{init_new + train_graph_backend:8.2f}s "
        f"{(init_old + train_graph_backend) / (init_new + train_graph_backend):7.1f}x  "
        f"graph training {train_graph_backend:.2f} s = {train_graph_backend / train_new:.1f}x NumPy"
    )
    print(
        f"naive graph+session per run       : {naive:8.1f}s  (extrapolated from "
        f"{args.sample * len(sizes)} timed runs, {1000 * per_naive_run:.1f} ms/run), "
        f"{naive / study_new:.0f}x the new NumPy study"
    )
    print(
        f"floor: NumPy training does {rate:.3g} multiply-adds/s; np.dot(float32[{DOT_LENGTH}]) "
        f"does {dot_rate:.3g}/s, {dot_rate / rate:.0f}x more"
    )


if __name__ == "__main__":
    main()
