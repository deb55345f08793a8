"""``tf1repro port``'s own cost beyond running the original once and its program once, by phase.

    python benchmarks/bench_port.py [--rounds N] [SCRIPT] [--rounds N] [-- ARGS]

SCRIPT (default: the cookbook's linear regression oracle, run with ``0``) is, in each of N rounds
(default 3): ported (``port_script``: the original recorded, the program written, then run and
recorded for the proof); run plainly as ``tf1repro legacy run SCRIPT --seed 0`` does
(``run_script``, no recording); and its generated program run plainly (``python PROGRAM ARGS``
from the script's folder). Prints the median of each, port's own cost (the median over the
rounds of port - legacy run - program, each round's three runs taken one after the other, so
that a slower minute weighs on all three) and the ratio port / (legacy run + program), in wall
seconds and in CPU seconds (this process's and its children's, which other jobs on a shared
machine disturb less). Goal: port's own cost at most 1 s.

The own cost is then split by phase (``autoport.PHASES``, medians): recording the original is
its recorded run minus the plain legacy run, recording the program its recorded run minus the
program run alone; reading the recordings, rewriting, the verdict and writing are measured as
they are. The script's arguments go after ``--``; options may come before or after SCRIPT.

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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tf1repro.legacy.runner import run_script  # noqa: E402
from tf1repro.recording.autoport import PHASES, port_script  # noqa: E402

DEFAULT_SCRIPT = ROOT / "tests" / "oracle" / "cookbook03_lin_reg.py"
DEFAULT_ARGS = ("0",)
GOAL_SECONDS = 1.0
#: The own cost's parts: a label and how it is computed from one round's seconds.
PARTS: tuple[tuple[str, Callable[[dict[str, float]], float]], ...] = (
    ("recording the original", lambda t: t["original"] - t["legacy"]),
    ("reading the recordings", lambda t: t["read"]),
    ("parsing and rewriting", lambda t: t["rewrite"]),
    ("recording the program", lambda t: t["program"] - t["alone"]),
    ("comparing (verdict)", lambda t: t["verdict"]),
    ("writing the program", lambda t: t["write"]),
)


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (every run's child
    process is waited for): on a shared machine, less sensitive to other jobs than wall time."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(action: Callable[[], object], cpu: dict[str, float], name: str) -> float:
    """Wall seconds of ``action``; its CPU seconds go to ``cpu[name]``."""
    start, used = time.perf_counter(), cpu_seconds()
    action()
    cpu[name] = cpu_seconds() - used
    return time.perf_counter() - start


def one_round(script: Path, args: list[str], scratch: Path) -> dict[str, float]:
    """Seconds of the port (in all, ``port``, and by phase), of the plain legacy run
    (``legacy``) and of the plain program run (``alone``); CPU seconds of each as
    ``cpu_port``, ``cpu_legacy``, ``cpu_alone``."""
    out = scratch / "ported"
    phases: dict[str, float] = {}

    def port() -> None:
        result = port_script(script, out, seed=0, args=args, timings=phases)
        assert result.status == "exact", result.reason

    def legacy() -> None:
        run = run_script(script, scratch / "legacy", seed=0, args=args)
        assert run.status == "ok", run.reason

    program = out / f"{script.stem}_tf2.py"

    def alone() -> None:
        command = [sys.executable, str(program), *args]
        env = {**os.environ, "MPLBACKEND": "Agg"}
        subprocess.run(command, cwd=script.parent, env=env, check=True, capture_output=True)

    cpu: dict[str, float] = {}
    runs = (("port", port), ("legacy", legacy), ("alone", alone))
    seconds = {name: timed(action, cpu, name) for name, action in runs}
    return {
        **seconds,
        **{f"cpu_{name}": value for name, value in cpu.items()},
        **{phase: phases.get(phase, 0.0) for phase in PHASES},
    }


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The options and the script's arguments (those after ``--``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", default=str(DEFAULT_SCRIPT))
    parser.add_argument("--rounds", type=int, default=3)
    split = argv.index("--") if "--" in argv else len(argv)
    own, args = argv[:split], argv[split + 1 :]
    options, unknown = parser.parse_known_args(own)
    if unknown:
        parser.error(
            f"unrecognized arguments: {' '.join(unknown)} (the script's arguments go after --)"
        )
    if options.rounds < 1:
        parser.error(f"--rounds: {options.rounds} is not allowed; give an int >= 1")
    return options, args


def main(argv: list[str]) -> int:
    options, given = parse(argv)
    script = Path(options.script).resolve()
    args = given or (list(DEFAULT_ARGS) if script == DEFAULT_SCRIPT else [])
    print(f"load average before: {os.getloadavg()}")
    rounds = []
    for number in range(1, options.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="bench_port.") as scratch:
            seconds = one_round(script, args, Path(scratch))
        rounds.append(seconds)
        print(
            f"round {number}: port {seconds['port']:.2f} s, legacy run {seconds['legacy']:.2f} s, "
            f"program {seconds['alone']:.2f} s"
        )
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    port, legacy, alone = median["port"], median["legacy"], median["alone"]
    own = statistics.median(r["port"] - r["legacy"] - r["alone"] for r in rounds)
    print(f"script: {script.name} {' '.join(args)}; {options.rounds} rounds, medians:")
    print(f"  port:                      {port:.2f} s")
    print(f"  legacy run of the original {legacy:.2f} s")
    print(f"  the program run alone      {alone:.2f} s")
    print(f"  port's own cost:           {own:.2f} s (goal <= {GOAL_SECONDS:g} s)")
    print(f"  ratio port / (legacy run + program): {port / (legacy + alone):.2f}")
    cpu = statistics.median(r["cpu_port"] - r["cpu_legacy"] - r["cpu_alone"] for r in rounds)
    cpu_ratio = statistics.median(
        r["cpu_port"] / (r["cpu_legacy"] + r["cpu_alone"]) for r in rounds
    )
    print(f"  in CPU seconds (median): own cost {cpu:.2f} s, ratio {cpu_ratio:.2f}")
    print("port's own cost by phase (medians; a recorded run minus its plain run can be < 0):")
    for label, part in PARTS:
        print(f"  {label + ':':<27}{statistics.median(part(r) for r in rounds):.2f} s")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
