"""``tf1repro compare``: graph, NumPy reference and eager on the same randomness, in one table."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tf1repro import equivalence
from tf1repro.cli import UsageError, options
from tf1repro.equivalence import DEFAULT_BATCH_SIZES, DEFAULT_TOLERANCE_ULPS, Report

#: Exit code when some pair differs by more than the tolerance.
EXIT_MISMATCH = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="prove graph, NumPy reference and TF2 eager compute the same numbers",
        description=(
            "Train both trainers on the TF1 graph backend, replay the recorded inputs on the "
            "NumPy reference and on TF2 eager code, and print, per trainer and backend pair, the "
            "worst |ΔA| and |Δloss| in float32 ulps at the target's scale. Exit 0 when every "
            "pair is within --tolerance, 1 otherwise."
        ),
    )
    options.add_seed(parser)
    parser.add_argument(
        "--batch-sizes",
        default=",".join(map(str, DEFAULT_BATCH_SIZES)),
        help="batch-trainer batch sizes, comma-separated (default %(default)s)",
    )
    options.add_training(parser, batch_size=False)
    parser.add_argument(
        "--tolerance",
        type=options.number,
        default=DEFAULT_TOLERANCE_ULPS,
        help="largest allowed deviation, in ulps (default %(default)g)",
    )
    parser.add_argument(
        "--runs",
        nargs="+",
        metavar="FILE",
        help="compare these recorded Run files pairwise instead of training (e.g. a golden run "
        "and a new one); training options are then ignored",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report as JSON instead of a table"
    )
    options.add_logdir(parser)
    options.add_verbose(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    tolerance = equivalence.validate_tolerance(args.tolerance)
    if args.runs:
        if args.logdir is not None:
            raise UsageError("--logdir cannot be combined with --runs")
        report = _recorded(args.runs, tolerance)
    else:
        config = options.training_config(args)
        seed = options.seed(args)
        sizes = equivalence.validate_batch_sizes(
            [options.number(text) for text in args.batch_sizes.split(",")]
        )
        logdir = options.logdir(args)

        from tf1repro import runtime

        runtime.configure(verbose=args.verbose)
        report = equivalence.three_way(
            config, seed, sizes, tolerance_ulps=tolerance, logdir=logdir, verbose=args.verbose
        )
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        print("\n".join(report.table()))
    return 0 if report.passed else EXIT_MISMATCH


def _recorded(paths: list[str], tolerance: float) -> Report:
    from tf1repro.record import Run

    runs = []
    for path in paths:
        try:
            runs.append(Run.load(path))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise UsageError(f"--runs {path!r} is not a readable Run record: {error}") from None
    try:
        return equivalence.recorded(runs, tolerance_ulps=tolerance)
    except ValueError as error:
        raise UsageError(f"--runs: {error}") from None
