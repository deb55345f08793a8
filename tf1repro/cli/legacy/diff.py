"""``tf1repro legacy diff RUN_A RUN_B``: the printed numbers of two runs, compared."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import tf1repro.cli.legacy.options as options
from tf1repro.cli import UsageError
from tf1repro.cli import options as cli_options

#: The largest log ``diff`` reads: far beyond any tutorial's output, far below the memory.
LOG_LIMIT = 64 * 1024 * 1024


def add_parser(commands: Any) -> None:
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
        type=cli_options.number,
        default=0.0,
        help="largest relative difference still counted as identical (default 0: exact)",
    )
    diff.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from tf1repro.legacy.logdiff import diff_logs

    rtol = options.rtol(args.rtol)
    logs = [_log_lines(name, text) for name, text in (("RUN_A", args.run_a), ("RUN_B", args.run_b))]

    result = diff_logs(*logs)
    if result.text_mismatch is not None:
        print(f"different: {result.text_mismatch}")
        return options.EXIT_DIFFERENT
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
    return 0 if result.identical_within(rtol) else options.EXIT_DIFFERENT


def _log_lines(name: str, text: str) -> list[str]:
    from tf1repro.files import InputError, read_bytes

    path = Path(text)
    if path.is_dir():
        path = path / "stdout.txt"
    try:
        data = read_bytes(path, limit=LOG_LIMIT)
    except InputError as error:
        raise UsageError(f"{name} {str(path)!r}: {error.problem}") from None
    # A script's output is not ours to be strict about: undecodable bytes become U+FFFD.
    return data.decode("utf-8", errors="replace").splitlines()
