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
            "Retrain every golden run (a committed record) on the installed TensorFlow and "
            "report any difference: tutorial, seed, first differing step, the values there, the "
            "distance in ulps, and the versions on both sides. Exit code 1 when one differs. "
            "With --update, train the golden cases of the built-in tutorials (or of the "
            "TUTORIAL files given) and write them."
        ),
    )
    parser.add_argument(
        "tutorials",
        nargs="*",
        metavar="TUTORIAL",
        help="with --update: only these tutorials (names or files); default every built-in one",
    )
    parser.add_argument(
        "--dir",
        default=DEFAULT_DIR,
        help=f"folder of the golden records (default ./{DEFAULT_DIR})",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="regenerate the goldens with the installed TensorFlow (a deliberate act)",
    )
    options.add_verbose(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from tf1repro import golden

    if args.update:
        from tf1repro.tutorial import load_tutorial

        chosen = [load_tutorial(spec) for spec in args.tutorials] or None
        cases = golden.cases(chosen)
        directory = options.output_dir(args.dir, "--dir", [case.file_name for case in cases])
    else:
        if args.tutorials:
            raise UsageError("TUTORIAL arguments are for --update; the check reruns every golden")
        directory = Path(args.dir)
        if not args.dir or not directory.is_dir():
            raise UsageError(f"--dir {args.dir!r} is not a folder of golden runs")
        goldens = _load(directory, args.dir)

    from tf1repro import runtime

    runtime.configure(verbose=args.verbose)
    if args.update:
        from tf1repro.cli.progress import count_bar
        from tf1repro.files import publish

        files = {}
        with count_bar("golden --update", "run") as tick:
            for done, case in enumerate(cases):
                if tick is not None:
                    tick(done, len(cases))
                files[case.file_name] = case.train().to_json().encode()
        if args.tutorials:
            # Updating some tutorials keeps the other goldens: the folder is one published set.
            from tf1repro.files import read_bytes

            for path in golden.golden_files(directory):
                files.setdefault(path.name, read_bytes(path))
        publish(directory, files, option="--dir")
        print(
            f"Wrote {len(cases)} golden runs ({_versions()}) to {directory}/: "
            + ", ".join(case.file_name for case in cases)
        )
        return 0

    from tf1repro.cli.progress import count_bar
    from tf1repro.tutorial import load_tutorial

    with count_bar("golden", "run") as tick:
        results = golden.check(goldens, progress=tick)
    differ = within = 0
    for record, diff in results:
        if diff is None:
            print(f"equal    {golden.label(record)}")
            continue
        worst = golden.tolerated(diff)
        if worst is None:
            differ += 1
            print(f"DIFFERS  {diff.render()}")
        else:
            within += 1
            tutorial = load_tutorial(record.tutorial)
            print(
                f"within   {diff.render()}\n  tolerated: {worst:g} ulps, within the tutorial's "
                f"{tutorial.golden_tolerance_ulps:g} on another release, kernel path or CPU "
                f"({tutorial.golden_tolerance_reason})"
            )
    equal = len(results) - differ - within
    tally = f"{equal} equal, " + (f"{within} within tolerance, " if within else "")
    print(f"{len(results)} golden runs: {tally}{differ} differ ({_versions()})")
    return EXIT_DIFFERENT if differ else 0


def _load(directory: Path, text: str) -> list[Any]:
    from tf1repro import golden
    from tf1repro.record import load_record

    paths = golden.golden_files(directory)
    if not paths:
        raise UsageError(f"--dir {text!r} holds no golden runs (*.json); make them with --update")
    return [options.checked_record(path, load_record(path)) for path in paths]


def _versions() -> str:
    from tf1repro import runtime

    return ", ".join(f"{name} {version}" for name, version in sorted(runtime.versions().items()))
