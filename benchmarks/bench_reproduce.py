"""Whole-process cost of the reproduction against the cost of importing TensorFlow alone.

    python benchmarks/bench_reproduce.py [--rounds N]

Runs ``python scripts/reproduce_article.py`` and ``python -c "import tensorflow"`` alternately,
N rounds each, in one invocation (so both see the same machine load), and prints the medians of
wall time and peak resident memory, and their ratio / difference. Goals: at most 1.25x the wall
time and at most +80 MiB peak RSS of a bare TensorFlow import.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "reproduce": [
                sys.executable,
                str(ROOT / "scripts" / "reproduce_article.py"),
                "--out",
                out,
            ],
            "import tensorflow": [sys.executable, "-c", "import tensorflow"],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        measure(commands["import tensorflow"])  # warm the file cache; not counted
        for _ in range(rounds):
            for name, command in commands.items():
                samples[name].append(measure(command))
    medians = {
        name: (statistics.median(w for w, _ in runs), statistics.median(r for _, r in runs))
        for name, runs in samples.items()
    }
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {rounds} rounds alternated"
    )
    for name, (wall, rss) in medians.items():
        print(f"  {name:<18} wall {wall:6.2f} s   peak RSS {rss:7.1f} MiB")
    (wall, rss), (base_wall, base_rss) = medians["reproduce"], medians["import tensorflow"]
    print(
        f"reproduce / import tensorflow: wall {wall / base_wall:.2f}x (goal <= 1.25x), "
        f"peak RSS {rss - base_rss:+.0f} MiB (goal <= +80 MiB)"
    )


if __name__ == "__main__":
    main()
