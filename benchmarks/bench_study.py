"""Time a full study three ways, in one process: naive, vectorised graph, vectorised NumPy.

    python benchmarks/bench_study.py              # 10,000 runs x 7 batch sizes x 100 steps

* naive: what the article does, a Graph and a Session per run (``tf1repro.graph.train``). Too
  slow to run 70,000 times, so ``--sample`` runs per batch size are timed and the mean time per
  run is multiplied by the number of runs (extrapolated, and printed as such).
* vectorised graph: all runs of a batch size in one TF1 graph (``tf1repro.vectorised``).
* vectorised NumPy: the same runs in NumPy float32.

Both vectorised trainers start from the same initial values, TensorFlow's seeded random_normal
per seed (as the single-run graph draws them), computed once and timed on their own line; the
totals include that time. Goals: vectorised graph >= 200x faster than naive, within 3x of NumPy.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tf1repro import TrainConfig, runtime, train_graph
from tf1repro.study import DEFAULT_BATCH_SIZES
from tf1repro.vectorised import train_many
from tf1repro.vectorised.initial import graph_initial_values


def trainer_for(batch_size: int) -> str:
    return "stochastic" if batch_size == 1 else "batch"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=5, help="naive runs timed per batch size")
    args = parser.parse_args()
    sizes = DEFAULT_BATCH_SIZES
    seeds = np.arange(args.runs, dtype=np.int64)
    runtime.tf_v1()  # import TensorFlow before any clock starts
    train_graph("batch", TrainConfig(), 0)  # and warm it up

    began = time.perf_counter()
    for size in sizes:
        for seed in range(args.sample):
            train_graph(trainer_for(size), TrainConfig(batch_size=size), seed)
    per_naive_run = (time.perf_counter() - began) / (args.sample * len(sizes))
    naive = per_naive_run * args.runs * len(sizes)

    began = time.perf_counter()
    a0 = {t: graph_initial_values(t, TrainConfig(), seeds) for t in ("stochastic", "batch")}
    initial = time.perf_counter() - began

    totals = {}
    for backend in ("graph", "numpy"):
        began = time.perf_counter()
        for size in sizes:
            trainer = trainer_for(size)
            config = TrainConfig(batch_size=size)
            train_many(trainer, config, seeds, backend=backend, a0=a0[trainer])
        totals[backend] = time.perf_counter() - began

    graph, numpy = totals["graph"] + initial, totals["numpy"] + initial
    runs = args.runs * len(sizes)
    print(f"{args.runs} runs x {len(sizes)} batch sizes {sizes} x 100 steps = {runs} runs")
    print(
        f"naive graph+session per run : {naive:9.1f} s  (extrapolated from "
        f"{args.sample * len(sizes)} timed runs, {1000 * per_naive_run:.1f} ms/run)"
    )
    print(f"initial A (TF random_normal): {initial:9.1f} s  (shared by both vectorised rows)")
    print(f"vectorised graph            : {graph:9.1f} s  ({totals['graph']:.1f} s training)")
    print(f"vectorised NumPy            : {numpy:9.1f} s  ({totals['numpy']:.1f} s training)")
    print(f"naive / vectorised graph    : {naive / graph:9.0f}x  (goal >= 200x)")
    print(
        f"vectorised graph / NumPy    : {graph / numpy:9.2f}x  (goal <= 3x; training only "
        f"{totals['graph'] / totals['numpy']:.2f}x)"
    )


if __name__ == "__main__":
    main()
