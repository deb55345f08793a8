"""``tf1repro golden``: check the installed TensorFlow against the golden runs, or remake them.

Exit codes: 0 every golden reproduced bit for bit; 1 at least one differs (each diff printed);
2 bad input (see ``tf1repro.cli``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tf1repro.cli import UsageError, options

DEFAULT_DIR = "tests/golden"
EXIT_DIFFERENT = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "golden",
        help="compare this TensorFlow's runs to the golden runs (or remake them with --update)",
        description=(
            "Retrain every golden run (a committed Run record) on the installed TensorFlow and "
            "report any difference: trainer, seed, first differing step, both values, the "
            "distance in ulps, and the versions on both sides. Exit code 1 when one differs. "
            "With --update, train the golden cases on the installed TensorFlow and write them."
        ),
    )
    parser.add_argument(
        "--dir",
        default=DEFAULT_DIR,
        help=f"folder of the golden Run records (default ./{DEFAULT_DIR})",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="regenerate the goldens with the installed TensorFlow (a deliberate act)",
    )
    options.add_verbose(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.update:
        directory = options.output_dir(args.dir)
    else:
        directory = Path(args.dir)
        if not directory.is_dir():
            raise UsageError(f"--dir {args.dir!r} is not a folder of golden runs")

    from tf1repro import golden, runtime

    runtime.configure(verbose=args.verbose)
    if args.update:
        written = golden.update(directory)
        print(
            f"Wrote {len(written)} golden runs ({_versions()}) to {directory}/: "
            + ", ".join(path.name for path in written)
        )
        return 0

    paths = golden.golden_files(directory)
    if not paths:
        raise UsageError(
            f"--dir {args.dir!r} holds no golden runs (*.json); make them with --update"
        )
    results = golden.check(paths)
    differ = 0
    for run, diff in results:
        if diff is None:
            print(f"equal    {golden.label(run)}")
        else:
            differ += 1
            print(f"DIFFERS  {diff.render()}")
    equal = len(results) - differ
    print(f"{len(results)} golden runs: {equal} equal, {differ} differ ({_versions()})")
    return EXIT_DIFFERENT if differ else 0


def _versions() -> str:
    from tf1repro import runtime

    return ", ".join(f"{name} {version}" for name, version in sorted(runtime.versions().items()))
