"""``legacy check`` with a fresh interpreter per script against the preloaded one, in one run.

    python benchmarks/bench_legacy.py [DIR] [--jobs N] [--bare N] [--timeout S] [--skip NAME]

1. The scripts of DIR (default: the test corpus, less ``--skip``: by default its script that
   hangs on purpose, which would cost ``--timeout`` in every pass alike) are checked with
   ``--seed 0`` three times: ``--fresh`` with ``--jobs N`` (default: the number of cores),
   preloaded with ``--jobs N``, and preloaded with ``--jobs 1``. Prints the three wall times,
   the ratio fresh / preloaded and the effect of ``--jobs``, and whether every script's status,
   kind and stdout came out the same in all three.
2. The per-script overhead beyond the script's own work: a script that only imports TensorFlow
   and prints one word is run ``--bare`` N + 1 times one after the other, the way ``legacy
   check --jobs 1`` runs a folder (staging, child, run folder), and each run is timed; the
   first run of the preloaded path also starts the server (TensorFlow's one import), so the
   median of the other N is what one more script costs. The same for fresh interpreters, for
   comparison. Goal: at most 0.5 s per script preloaded.

The load average is printed before and after: the machine may be shared, so compare the ratios
of one run rather than absolute times across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tf1repro.legacy.folder import check_folder, run_folder_name, scripts_in  # noqa: E402
from tf1repro.legacy.preload import preloading  # noqa: E402
from tf1repro.legacy.runner import run_script  # noqa: E402
from tf1repro.legacy.script_run import ScriptRun  # noqa: E402

BARE = 'import tensorflow\n\nprint("imported")\n'
GOAL_SECONDS = 0.5


def timed_check(
    scripts: list[Path], root: Path, out: Path, *, jobs: int, fresh: bool, timeout: float
) -> tuple[float, list[ScriptRun]]:
    start = time.perf_counter()
    runs = check_folder(scripts, out, root=root, seed=0, jobs=jobs, fresh=fresh, timeout=timeout)
    return time.perf_counter() - start, runs


def outcome(run: ScriptRun, root: Path, out: Path) -> tuple[str, str, bytes]:
    """What must not depend on how the script was started: status, kind and stdout."""
    stdout = out / run_folder_name(Path(run.script), root) / "stdout.txt"
    return run.status, run.kind, stdout.read_bytes() if stdout.is_file() else b""


def per_script(work: Path, count: int, *, fresh: bool, timeout: float) -> float:
    """The median wall time of runs 2 ... count + 1 of the bare script, one after the other."""
    folder = work / ("bare-fresh" if fresh else "bare-preloaded")
    folder.mkdir()
    script = folder / "bare.py"
    script.write_text(BARE)
    seconds = []
    with contextlib.nullcontext() if fresh else preloading():
        for number in range(count + 1):
            start = time.perf_counter()
            run = run_script(script, work / f"{folder.name}-runs" / str(number), timeout=timeout)
            seconds.append(time.perf_counter() - start)
            if run.status != "ok":
                sys.exit(f"the bare script did not run: {run.kind}: {run.reason}")
    return statistics.median(seconds[1:])


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "tests" / "legacy_corpus"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--bare", type=int, default=3)
    # A fresh TensorFlow import alone can take more than a minute on a loaded machine: less
    # than this would stop working scripts in the fresh pass only.
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--skip", action="append", default=None, metavar="NAME")
    args = parser.parse_args()
    try:
        tensorflow = importlib.metadata.version("tensorflow")
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"TensorFlow is not installed for {sys.executable}: nothing to measure")
    folder = Path(args.folder).resolve()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; TensorFlow {tensorflow}")
    print(f"start: {load()}")
    skipped = set(args.skip if args.skip is not None else ["queue_without_runners.py"])
    scripts = [path for path in scripts_in(folder) if path.name not in skipped]
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        passes = {}
        for label, jobs, fresh in (
            ("fresh", args.jobs, True),
            ("preloaded", args.jobs, False),
            ("preloaded-1", 1, False),
        ):
            passes[label] = timed_check(
                scripts, folder, work / label, jobs=jobs, fresh=fresh, timeout=args.timeout
            )
        same = all(
            outcome(a, folder, work / "fresh") == outcome(b, folder, work / label)
            for label in ("preloaded", "preloaded-1")
            for a, b in zip(passes["fresh"][1], passes[label][1], strict=True)
        )
        statuses = [run.status for run in passes["fresh"][1]]
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in ("ok", "failed", "timeout"))
        print(f"{folder.name}: {len(scripts)} scripts ({counts}); skipped: {sorted(skipped)}")
        fresh, preloaded, serial = (passes[label][0] for label in passes)
        print(f"  fresh, --jobs {args.jobs}      {fresh:7.1f} s")
        print(f"  preloaded, --jobs {args.jobs}  {preloaded:7.1f} s")
        print(f"  preloaded, --jobs 1  {serial:7.1f} s")
        print(f"  fresh / preloaded    {fresh / preloaded:7.2f}x")
        print(f"  --jobs 1 / --jobs {args.jobs}  {serial / preloaded:7.2f}x (preloaded)")
        print(f"  same status, kind and stdout in all three: {same}")
        print(
            f"per-script cost of a script that imports TensorFlow and prints (median of "
            f"{args.bare} runs after the first, one at a time; goal <= {GOAL_SECONDS} s preloaded):"
        )
        costs = {
            label: per_script(work, args.bare, fresh=is_fresh, timeout=args.timeout)
            for label, is_fresh in (("preloaded", False), ("fresh", True))
        }
        for label, cost in costs.items():
            print(f"  {label:<10} {cost:7.2f} s per script")
        print(f"  fresh / preloaded {costs['fresh'] / costs['preloaded']:7.1f}x")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
