"""``tf1repro port``: an unmodified TF1 script in, a TF2 program out, proven by its recording."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from tf1repro.cli import options
from tf1repro.cli.legacy import options as legacy_options

#: Exit code when the port differs from the original, cannot be made, or the script fails.
EXIT_NOT_PORTED = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "port",
        help="port an unmodified TF1 script to a TF2 program, proven equal step by step",
        description=(
            "Run SCRIPT once under the recorder (as `tf1repro legacy run SCRIPT --seed N "
            "--record`), write OUT/<script>_tf2.py, a TF2 program with the script's own names, "
            "data code, loops and prints (no placeholders, sessions or compat.v1), then run it "
            "in its own process, recorded, and compare every variable and loss step by step and "
            "every printed number with the original's (--data-dir and --stdin as for `legacy "
            "run`; both runs read --stdin). Exit 0 when they are equal (0 ulp), or "
            "within the stated distance of a Keras optimizer that computes other bits; 1 when "
            "they differ, the script cannot be ported (each construct named with its line) or "
            "fails; 2 for bad input. With --record RUN the original's recording is kept in "
            "RUN, and `tf1repro diagnose --record RUN --program OUT/<script>_tf2.py` checks the "
            "program again after an edit and says where it first differs."
        ),
    )
    parser.add_argument("script", metavar="SCRIPT", help="the TF1 script (.py), unmodified")
    _add_options(parser)
    parser.add_argument(
        "script_args", nargs=argparse.REMAINDER, metavar="-- ARGS", help="the script's arguments"
    )
    parser.set_defaults(handler=handle)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=options.number,
        default=0,
        help="seed random, NumPy and every TF graph as `legacy run --seed` does (default 0)",
    )
    parser.add_argument("--out", default="ported", help="folder for the program (default ported)")
    parser.add_argument(
        "--exact",
        action="store_true",
        help="keep tf.compat.v1.train's optimizer (run eagerly) where the Keras one computes "
        "other bits, so that the proof is 0 ulp",
    )
    parser.add_argument(
        "--timeout",
        type=options.number,
        default=600.0,
        help="seconds each of the two runs may take (default 600)",
    )
    parser.add_argument(
        "--record",
        metavar="RUN",
        help="keep the original's recording in the run folder RUN, for `tf1repro diagnose "
        "--record RUN --program PROGRAM` after an edit",
    )
    legacy_options.add_inputs(parser)
    options.add_json(parser, "the result")


def _script_args(args: argparse.Namespace) -> list[str]:
    """The options given after SCRIPT parsed into ``args`` (argparse hands everything after
    SCRIPT to the script); the script's own arguments are what follows ``--``."""
    from tf1repro.cli import Parser

    rest: list[str] = args.script_args
    cut = rest.index("--") if "--" in rest else len(rest)
    parser = Parser(prog="tf1repro port", add_help=False)
    _add_options(parser)
    parser.parse_args(rest[:cut], namespace=args)
    return rest[cut + 1 :]


def handle(args: argparse.Namespace) -> int:
    from tf1repro import signals
    from tf1repro.config import Float
    from tf1repro.legacy import runner
    from tf1repro.recording.autoport import ScriptFailed, port_script
    from tf1repro.recording.translate import Unportable

    script_args = _script_args(args)
    timeout = Float(positive=True).check("timeout", args.timeout)
    inputs = legacy_options.inputs(args)
    try:
        result = port_script(
            args.script,
            args.out,
            seed=options.seed(args),
            exact=args.exact,
            args=script_args,
            timeout=timeout,
            record=args.record,
            **inputs,
        )
    except Unportable as error:
        for problem in error.problems:
            print(f"tf1repro port: {args.script}: {problem}", file=sys.stderr)
        print("tf1repro port: not ported; nothing was written", file=sys.stderr)
        return _not_ported(args, "unportable", error.problems)
    except ScriptFailed as error:
        print(f"tf1repro port: {error}; nothing was written", file=sys.stderr)
        return _not_ported(args, "failed", [str(error)])
    except KeyboardInterrupt as stop:
        runner.cancel_all()
        runner.reset_cancellation()
        print("tf1repro port: interrupted; nothing was written", file=sys.stderr)
        return signals.exit_code(stop)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1, allow_nan=False))
    else:
        print("\n".join(result.report.table()[:-1]))
        print(f"tf1repro port: {result.status}: {result.reason}; wrote {result.program}")
        if result.recording is not None:
            print(
                f"tf1repro port: the original's recording is in {args.record}; after an edit: "
                f"tf1repro diagnose --record {args.record} --program "
                f"{os.path.join(args.out, result.program.name)}"
            )
    return 0 if result.status in ("exact", "within") else EXIT_NOT_PORTED


def _not_ported(args: argparse.Namespace, status: str, reasons: list[str]) -> int:
    """With ``--json``, what was not ported, as the result would have said it."""
    if args.json:
        result = {"script": args.script, "program": None, "status": status}
        print(json.dumps({**result, "worst_ulps": None, "reason": "; ".join(reasons)}, indent=1))
    return EXIT_NOT_PORTED
