"""``tf1repro legacy run|check|diff``: unmodified TF1 scripts on today's TensorFlow.

Exit codes: 0 when the script(s) ran to the end (``diff``: the logs match within ``--rtol``),
1 when a script failed or timed out (``diff``: the logs differ), 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from tf1repro.cli import Parser, UsageError, options
from tf1repro.config import validate_seed
from tf1repro.errors import ParameterError

EXIT_DIFFERENT = 1
DEFAULT_TIMEOUT = 600.0


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "legacy",
        help="run unmodified TF1 scripts, check a folder of them, diff their logs",
        description=(
            "Run TF1-era scripts unmodified on today's TensorFlow (tf.compat.v1, v2 behaviour "
            "off), each in its own process: seeded, headless, with logs, figures and failures "
            "recorded."
        ),
    )
    commands = parser.add_subparsers(
        dest="legacy_command", required=True, parser_class=type(parser)
    )

    run = commands.add_parser(
        "run",
        parents=[_run_options()],
        help="run one script and record it",
        description=(
            "Run SCRIPT in a child process. Its stdout is echoed; stdout, stderr, TensorFlow's "
            "own log, figures and run.json go into --out."
        ),
    )
    run.add_argument("script", help="the TF1 script (.py) to run, unmodified")
    run.add_argument(
        "script_args",
        nargs=argparse.REMAINDER,
        metavar="-- ARGS",
        help="arguments for the script, after --",
    )
    run.set_defaults(handler=handle_run)

    check = commands.add_parser(
        "check",
        help="run every *.py in a folder and tabulate the outcomes",
        description="Run every *.py directly in DIR, one child process each, and print a table.",
    )
    check.add_argument("dir", help="folder of TF1 scripts")
    _add_run_options(check)
    check.add_argument(
        "--out",
        default="legacy-check",
        help="folder for one run folder per script (default ./legacy-check)",
    )
    check.add_argument(
        "--jobs", type=options.number, default=1, help="scripts run at once (default 1)"
    )
    check.add_argument(
        "--json", action="store_true", help="print the run records as a JSON list instead"
    )
    check.set_defaults(handler=handle_check)

    diff = commands.add_parser(
        "diff",
        help="compare the printed numbers of two runs",
        description=(
            "Match the stdout of two runs line by line and report the largest relative "
            "difference between their numbers. RUN_A and RUN_B are run folders or text files."
        ),
    )
    diff.add_argument("run_a", help="run folder (its stdout.txt) or a text file")
    diff.add_argument("run_b", help="run folder (its stdout.txt) or a text file")
    diff.add_argument(
        "--rtol",
        type=options.number,
        default=0.0,
        help="largest relative difference still counted as identical (default 0: exact)",
    )
    diff.set_defaults(handler=handle_diff)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=options.number,
        default=None,
        help="seed random, NumPy and every TF graph (default: run unseeded, as written)",
    )
    parser.add_argument(
        "--timeout",
        type=options.number,
        default=DEFAULT_TIMEOUT,
        help=f"seconds before a script is stopped (default {DEFAULT_TIMEOUT:g})",
    )


def _run_options() -> Parser:
    """The options of ``legacy run``, which may also follow SCRIPT (argparse would hand them to
    the script's arguments), so they are parsed again from there up to ``--``."""
    parser = Parser(prog="tf1repro legacy run", add_help=False)
    _add_run_options(parser)
    parser.add_argument(
        "--out", help="folder for the run record (default: legacy-runs/<script name>)"
    )
    parser.add_argument(
        "--python", help="interpreter to run the script with (default: the one running tf1repro)"
    )
    return parser


def _split_script_args(args: argparse.Namespace) -> list[str]:
    """Parse the run options found after SCRIPT into ``args``; return what follows ``--``."""
    rest: list[str] = args.script_args
    cut = rest.index("--") if "--" in rest else len(rest)
    _run_options().parse_args(rest[:cut], namespace=args)
    return rest[cut + 1 :]


def _seed(args: argparse.Namespace) -> int | None:
    return None if args.seed is None else validate_seed(args.seed)


def _positive(name: str, value: object, allowed: str = "a number of seconds > 0") -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ParameterError(name, value, allowed)
    return float(value)


def handle_run(args: argparse.Namespace) -> int:
    from tf1repro.legacy import run_script

    script_args = _split_script_args(args)
    script = Path(args.script)
    if not script.is_file():
        raise UsageError(f"SCRIPT {args.script!r} is not a file")
    seed = _seed(args)
    timeout = _positive("timeout", args.timeout)
    out = options.output_dir(args.out or str(Path("legacy-runs") / script.stem))

    run = run_script(script, out, seed=seed, timeout=timeout, args=script_args, python=args.python)
    sys.stdout.write((out / "stdout.txt").read_text())
    sys.stdout.flush()
    figures = f", {len(run.figures)} figure(s)" if run.figures else ""
    if run.status == "ok":
        print(
            f"tf1repro legacy: {script.name} ran in {run.seconds:.1f} s{figures}; record in {out}/",
            file=sys.stderr,
        )
        return 0
    kind = "" if run.kind == run.status else f" ({run.kind})"
    print(
        f"tf1repro legacy: {script.name} {run.status}{kind}: {run.reason}; record in {out}/",
        file=sys.stderr,
    )
    return EXIT_DIFFERENT


def handle_check(args: argparse.Namespace) -> int:
    from tf1repro.legacy.check import check_folder, scripts_in, table

    folder = Path(args.dir)
    if not folder.is_dir():
        raise UsageError(f"DIR {args.dir!r} is not a folder")
    seed = _seed(args)
    timeout = _positive("timeout", args.timeout)
    jobs = args.jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError("jobs", jobs, "an int in the range [1, inf)")
    scripts = scripts_in(folder)
    if not scripts:
        raise UsageError(f"DIR {args.dir!r} holds no *.py scripts")
    out = options.output_dir(args.out)

    runs = check_folder(scripts, out, seed=seed, timeout=timeout, jobs=jobs)
    if args.json:
        print(json.dumps([run.to_dict() for run in runs], indent=1))
    else:
        print("\n".join(table(runs)))
    return 0 if all(run.status == "ok" for run in runs) else EXIT_DIFFERENT


def handle_diff(args: argparse.Namespace) -> int:
    from tf1repro.legacy.logdiff import diff_logs

    rtol = args.rtol
    if isinstance(rtol, bool) or not isinstance(rtol, int | float) or not 0 <= rtol < math.inf:
        raise ParameterError("rtol", rtol, "a finite number >= 0")
    logs = [_log_lines(name, text) for name, text in (("RUN_A", args.run_a), ("RUN_B", args.run_b))]

    result = diff_logs(*logs)
    if result.text_mismatch is not None:
        print(f"different: {result.text_mismatch}")
        return EXIT_DIFFERENT
    summary = f"{result.lines} lines, {result.numbers} numbers"
    if result.worst is None:
        print(f"identical: {summary}; largest relative difference 0")
        return 0
    worst = result.worst
    verdict = "identical within --rtol" if result.identical_within(rtol) else "different"
    print(
        f"{verdict}: {summary}; largest relative difference {worst.relative:.3g} "
        f"at line {worst.line} ({worst.a} vs {worst.b}), --rtol {rtol:g}"
    )
    return 0 if result.identical_within(rtol) else EXIT_DIFFERENT


def _log_lines(name: str, text: str) -> list[str]:
    path = Path(text)
    if path.is_dir():
        path = path / "stdout.txt"
    try:
        return path.read_text(errors="replace").splitlines()
    except OSError as error:
        raise UsageError(f"{name} {text!r} cannot be read: {error.strerror}") from None
