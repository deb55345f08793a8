"""How often do the theory tests fail on a correct trainer? (Not a test: a measurement.)

tests/test_theory.py checks, at each of the 100 steps, that the simulated mean of 20,000 runs is
within 3 standard errors of the closed-form E[A_t], and the sample variance within 4 of
Var[A_t]. Both checks repeat over 100 correlated steps; this script repeats them on disjoint
blocks of seeds and prints the share of blocks on which each would fail.

    python benchmarks/theory_false_alarms.py --blocks 40
"""

from __future__ import annotations

import argparse

import numpy as np

from tf1repro.tutorials.article import TrainConfig, targets
from tf1repro.tutorials.article.theory import Moments, trajectory
from tf1repro.tutorials.article.vectorised import train_many

RUNS = 20_000


def worst_z(batch_size: int, first_seed: int) -> tuple[float, float]:
    trainer = "stochastic" if batch_size == 1 else "batch"
    config = TrainConfig(batch_size=batch_size)
    seeds = range(first_seed, first_seed + RUNS)
    many = train_many(trainer, config, seeds, backend="numpy", a0="numpy")
    a = many.a.astype(np.float64)
    per_run = trajectory(
        Moments.of(many.x, targets(config)), config.learning_rate, batch_size, config.steps
    )
    z_mean = (a.mean(0) - per_run.mean.mean(0)) / (np.sqrt(per_run.variance.sum(0)) / RUNS)
    mu = per_run.mean
    expected = per_run.variance.mean(0) + ((mu - mu.mean(0)) ** 2).sum(0) / (RUNS - 1)
    se = ((a - a.mean(0)) ** 2).std(0, ddof=1) / np.sqrt(RUNS)
    z_var = (a.var(0, ddof=1) - expected) / se
    return float(np.abs(z_mean).max()), float(np.abs(z_var).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=40)
    args = parser.parse_args()
    for batch_size in (1, 20):
        worst = [worst_z(batch_size, RUNS * (1 + b)) for b in range(args.blocks)]
        means, variances = np.array(worst).T
        print(
            f"batch {batch_size:>2}: {args.blocks} blocks of {RUNS} runs; "
            f"mean check fails (max|z| >= 3) on {100 * np.mean(means >= 3):.0f}%, "
            f"variance check fails (max|z| >= 4) on {100 * np.mean(variances >= 4):.0f}%; "
            f"median max|z|: mean {np.median(means):.2f}, variance {np.median(variances):.2f}"
        )


if __name__ == "__main__":
    main()
