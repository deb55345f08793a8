"""``tf1repro port``'s own cost beyond running the original once and its program once, in one run.

    python benchmarks/bench_port.py [SCRIPT] [--rounds N] [-- ARGS]

SCRIPT (default: the cookbook's linear regression oracle, run with ``0``) is, in each of N rounds
(default 3): ported (``port_script``: the original recorded, the program written, then run and
recorded for the proof); run plainly as ``tf1repro legacy run SCRIPT --seed 0`` does
(``run_script``, no recording); and its generated program run plainly (``python PROGRAM ARGS``
from the script's folder). Prints the median of each, port's own cost (port - legacy run -
program) and the ratio port / (legacy run + program). Goal: port's own cost at most 1 s.

The load average is printed before and after: the machine may be shared, so compare the ratios
of one run rather than absolute times across runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tf1repro.legacy.runner import run_script  # noqa: E402
from tf1repro.recording.autoport import port_script  # noqa: E402

DEFAULT_SCRIPT = ROOT / "tests" / "oracle" / "cookbook03_lin_reg.py"
DEFAULT_ARGS = ("0",)
GOAL_SECONDS = 1.0


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def one_round(script: Path, args: list[str], scratch: Path) -> tuple[float, float, float]:
    """Seconds of the port, of the plain legacy run and of the plain program run."""
    out = scratch / "ported"

    def port() -> None:
        result = port_script(script, out, seed=0, args=args)
        assert result.status == "exact", result.reason

    def legacy() -> None:
        run = run_script(script, scratch / "legacy", seed=0, args=args)
        assert run.status == "ok", run.reason

    program = out / f"{script.stem}_tf2.py"

    def alone() -> None:
        command = [sys.executable, str(program), *args]
        env = {**os.environ, "MPLBACKEND": "Agg"}
        subprocess.run(command, cwd=script.parent, env=env, check=True, capture_output=True)

    return timed(port), timed(legacy), timed(alone)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", default=str(DEFAULT_SCRIPT))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    script = Path(options.script).resolve()
    given = [arg for arg in options.args if arg != "--"]
    args = given or (list(DEFAULT_ARGS) if script == DEFAULT_SCRIPT else [])
    print(f"load average before: {os.getloadavg()}")
    rounds = []
    for number in range(1, options.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="bench_port.") as scratch:
            seconds = one_round(script, args, Path(scratch))
        rounds.append(seconds)
        port, legacy, alone = seconds
        print(
            f"round {number}: port {port:.2f} s, legacy run {legacy:.2f} s, program {alone:.2f} s"
        )
    port, legacy, alone = (statistics.median(column) for column in zip(*rounds, strict=True))
    own = port - legacy - alone
    print(f"script: {script.name} {' '.join(args)}; {options.rounds} rounds, medians:")
    print(f"  port:                      {port:.2f} s")
    print(f"  legacy run of the original {legacy:.2f} s")
    print(f"  the program run alone      {alone:.2f} s")
    print(f"  port's own cost:           {own:.2f} s (goal <= {GOAL_SECONDS:g} s)")
    print(f"  ratio port / (legacy run + program): {port / (legacy + alone):.2f}")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
