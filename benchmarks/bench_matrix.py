"""One release's fidelity suite on both CPU kernel paths: one after the other, every check on
each (how a nox session ran them before), against ``--both-kernel-paths`` (side by side, the
second path with its kernel-dependent checks), in one run on the installed TensorFlow.

    python benchmarks/bench_matrix.py [--release LABEL]

Prints the wall time of each way, the ratio, and whether both ways agree on every check's
outcome and figures (they must: the kernel-independent checks that the second way leaves out
on the oneDNN-off path are the default path's). The full matrix adds one virtualenv per release
(see noxfile.py); its wall time is measured with ``time nox -t matrix`` (docs/compatibility.md).

The load average is printed before and after: the machine may be shared, so compare the ratio
of one run rather than absolute times across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def matrix_run(*options: str, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "tools.matrix", "run", "--tests", str(ROOT / "tests")]
    start = time.perf_counter()
    # From the checkout's root, where the release matrix (tools/) lives.
    subprocess.run([*command, *options], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def checks(path: Path) -> dict[str, Any]:
    record = json.loads(path.read_text(encoding="utf-8"))
    return {name: (c["outcome"], c["figures"]) for name, c in record["checks"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", default="bench", help="label of the result files")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    off_env = {**env, "TF_ENABLE_ONEDNN_OPTS": "0"}
    label, off = args.release, f"{args.release}-onednn-off"
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        before, after = Path(folder, "before"), Path(folder, "after")
        sequential = matrix_run("--release", label, "--out", str(before / "a.json"), env=env)
        sequential += matrix_run("--release", off, "--out", str(before / "b.json"), env=off_env)
        both = matrix_run(
            "--both-kernel-paths", "--release", label, "--out", str(after / "a.json"), env=env
        )
        same_default = checks(before / "a.json") == checks(after / "a.json")
        off_after = checks(after / "a-onednn-off.json")
        same_off = {k: v for k, v in checks(before / "b.json").items() if k in off_after}
        agree = same_default and same_off == off_after
    print(f"load average after:  {os.getloadavg()[0]:.1f}")
    print(f"one path after the other, every check: {sequential:7.1f} s")
    print(f"--both-kernel-paths (side by side):    {both:7.1f} s")
    print(f"ratio: {sequential / both:.2f}x faster; same outcomes and figures: {agree}")


if __name__ == "__main__":
    main()
