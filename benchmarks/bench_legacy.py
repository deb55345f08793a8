"""``legacy check`` with a fresh interpreter per script against the preloaded one, in one run.

    python benchmarks/bench_legacy.py [DIR] [--jobs N] [--bare N]

1. The folder DIR (default: the test corpus) is checked twice, ``--fresh`` then preloaded, with
   the same ``--jobs`` (default: the number of cores); prints both wall times and their ratio,
   and whether every script's status and kind came out the same.
2. The per-script overhead beyond a bare script: ``--bare`` N and then 2N copies of a script
   that only imports TensorFlow and prints its version are checked preloaded with one job; the
   difference of the two wall times over N is what one more script costs (the server's one-off
   TensorFlow import cancels out). The same for fresh interpreters, for comparison. Goal: at most
   0.5 s per script preloaded.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tf1repro.legacy.check import check_folder, scripts_in  # noqa: E402
from tf1repro.legacy.record import ScriptRun  # noqa: E402

BARE = "import tensorflow as tf\n\nprint(tf.__version__)\n"


def timed_check(
    folder: Path, out: Path, *, jobs: int, fresh: bool
) -> tuple[float, list[ScriptRun]]:
    scripts = scripts_in(folder)
    start = time.perf_counter()
    runs = check_folder(scripts, out, root=folder, jobs=jobs, fresh=fresh)
    return time.perf_counter() - start, runs


def bare_folder(parent: Path, count: int) -> Path:
    folder = parent / f"bare-{count}"
    folder.mkdir()
    for number in range(count):
        (folder / f"bare_{number:02d}.py").write_text(BARE)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "tests" / "legacy_corpus"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--bare", type=int, default=4)
    # The corpus has a script that hangs on purpose.
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    folder = Path(args.folder).resolve()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        fresh, fresh_runs = timed_check(
            folder, work / "fresh", jobs=args.jobs, fresh=True, timeout=args.timeout
        )
        preloaded, runs = timed_check(
            folder, work / "preloaded", jobs=args.jobs, fresh=False, timeout=args.timeout
        )
        same = all(
            (a.status, a.kind) == (b.status, b.kind) for a, b in zip(fresh_runs, runs, strict=True)
        )
        print(f"{folder.name}: {len(runs)} scripts, --jobs {args.jobs}")
        print(f"  fresh      {fresh:7.1f} s")
        print(f"  preloaded  {preloaded:7.1f} s")
        print(f"  ratio      {fresh / preloaded:7.2f}x  (same status and kind: {same})")
        small, large = bare_folder(work, args.bare), bare_folder(work, 2 * args.bare)
        print("per-script cost of a bare script (import tensorflow; print), --jobs 1:")
        for label, is_fresh in (("fresh", True), ("preloaded", False)):
            few, _ = timed_check(small, work / f"{label}-small", jobs=1, fresh=is_fresh)
            many, _ = timed_check(large, work / f"{label}-large", jobs=1, fresh=is_fresh)
            print(f"  {label:<10} {(many - few) / args.bare:7.2f} s per script")


if __name__ == "__main__":
    main()
