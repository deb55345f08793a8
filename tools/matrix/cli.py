"""``python -m tools.matrix``: run the fidelity suite on this TensorFlow (``run``), or render
results (``report``).

``run`` needs pytest and runs this checkout's tests folder. Its exit code is 0 when every check
passed, 1 otherwise. ``report`` needs neither TensorFlow nor pytest. Bad input is one line on
stderr and exit code 2; Ctrl-C, SIGTERM or SIGHUP is one line and 128 + the signal (as
``tf1repro``, whose ``Parser`` and errors this command shares).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from tf1repro import files, signals
from tf1repro.cli import EXIT_BAD_INPUT, Parser, UsageError
from tf1repro.files import InputError, OutputError
from tools import CHECKOUT

#: How usage and errors name this command: what one types from the checkout.
PROG = "python -m tools.matrix"
DEFAULT_RESULTS = "matrix-results"
EXIT_CHECKS_FAILED = 1

#: A release label names a file (tf-<release>.json): a word, never a path.
_RELEASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description=(
            "Check the installed TensorFlow release (run) and render the results of many "
            "releases as a Markdown table (report). noxfile.py runs one release per session."
        ),
    )
    actions = parser.add_subparsers(dest="action", required=True, parser_class=Parser)

    run = actions.add_parser(
        "run",
        help="run the fidelity suite and write one result JSON",
        description=(
            "Run the fidelity suite (graph structure, replay, legacy oracle, goldens, "
            "determinism) of this checkout on the installed TensorFlow, record what "
            "TensorFlow prints and its import time, write the result JSON and print the verdict."
        ),
    )
    run.add_argument(
        "--tests",
        default=str(CHECKOUT / "tests"),
        help="the suite's tests folder (default: this checkout's tests/)",
    )
    run.add_argument(
        "--release",
        help="the label of this release in the report (default: the installed major.minor)",
    )
    run.add_argument(
        "--out",
        help=f"result file (default ./{DEFAULT_RESULTS}/tf-<release>.json)",
    )
    run.add_argument(
        "--kernel-checks-only",
        action="store_true",
        help=(
            "run only the checks whose outcome can depend on the CPU kernels (replay, oracle, "
            "goldens, determinism): for a release's second kernel path, whose other checks are "
            "those of its default path"
        ),
    )
    run.add_argument(
        "--both-kernel-paths",
        action="store_true",
        help=(
            "run the suite twice side by side, on TensorFlow's default CPU kernels and with "
            "oneDNN off (TF_ENABLE_ONEDNN_OPTS=0, labelled <release>-onednn-off, written next "
            "to --out with that suffix); needs --release"
        ),
    )
    run.set_defaults(handler=handle_run)

    report = actions.add_parser(
        "report",
        help="render result JSON files as a Markdown table",
        description="Render matrix result files (or folders of them) as one Markdown page.",
    )
    report.add_argument(
        "results",
        nargs="*",
        default=[DEFAULT_RESULTS],
        help=f"result files or folders (default ./{DEFAULT_RESULTS})",
    )
    report.add_argument("--out", help="also write the page to this file")
    report.add_argument(
        "--notes",
        metavar="FILE",
        help="a Markdown file appended to the page (the maintainers' notes on the table)",
    )
    report.set_defaults(handler=handle_report)
    return parser


def handle_run(args: argparse.Namespace) -> int:
    tests = Path(args.tests)
    if not (tests / "golden").is_dir():
        raise UsageError(f"--tests {args.tests!r} is not a tf1repro tests folder (no golden/)")
    if args.release is not None and not _RELEASE.fullmatch(args.release):
        raise UsageError(
            "--release must be a label of letters, digits, '.', '_', '+' or '-' (at most 64), "
            f"e.g. 2.21 or nightly; got {args.release!r}"
        )
    # Checked before the suite runs; the default name needs the release, so its folder is
    # checked with a stand-in name, and the real name again when it is written.
    # An empty --out is refused by the check, never taken for the default.
    given: str | None = args.out
    files.check_output_file(
        given if given is not None else _default_out(args.release or "0.0"), option="--out"
    )
    try:
        import pytest  # noqa: F401
    except ImportError:
        raise UsageError("the matrix runs pytest: install it (pip install pytest)") from None
    if args.both_kernel_paths:
        if args.kernel_checks_only:
            raise UsageError(
                "--kernel-checks-only is for one path; --both-kernel-paths runs every check "
                "on the default path and the kernel checks on the other"
            )
        return _run_both_paths(tests, args.release, given)

    from tools.matrix.render import render_markdown, summary_line
    from tools.matrix.run import run_suite

    record = run_suite(tests, args.release, kernel_checks_only=args.kernel_checks_only)
    out = given if given is not None else _default_out(record["release"])
    files.write_file(out, files.dumps_json(record).encode(), option="--out")
    print()
    print(render_markdown([record], title=f"TensorFlow {record['release']}"))
    print(summary_line(record))
    print(f"Wrote {out}")
    return 0 if record["outcome"] == "passed" else EXIT_CHECKS_FAILED


def _run_both_paths(tests: Path, release: str | None, given: str | None) -> int:
    from tools.matrix.side_by_side import path_runs, run_both

    if release is None:
        # The children cannot both take the installed version for their label.
        raise UsageError("--both-kernel-paths needs --release (the label of both result files)")
    runs = path_runs(release, Path(given if given is not None else _default_out(release)))
    for run in runs:
        files.check_output_file(run.out, option="--out")
    return run_both(tests, runs)


def _default_out(release: str) -> str:
    return str(Path(DEFAULT_RESULTS) / f"tf-{release}.json")


def handle_report(args: argparse.Namespace) -> int:
    from tools.matrix.render import load_results, render_markdown

    if args.out is not None:
        files.check_output_file(args.out, option="--out")
    # An empty name would be the current folder (results) or an unnamed file (--notes).
    if args.notes == "":
        raise UsageError("--notes '' is empty; name a Markdown file")
    if "" in args.results:
        raise UsageError("results: '' is empty; name a result file or folder")
    notes = "" if args.notes is None else _notes(args.notes)
    records = load_results(Path(text) for text in args.results)
    if not records:
        raise UsageError(f"no result files (*.json) in {', '.join(args.results)}")
    page = render_markdown(records, title="Compatibility across TensorFlow releases") + notes
    print(page, end="")
    if args.out is not None:
        files.write_file(args.out, page.encode(), option="--out")
    return 0


def _notes(path: str) -> str:
    """The notes file's Markdown, less its leading HTML comment, as a section after a blank line."""
    text = files.read_text(path)
    if text.startswith("<!--"):
        end = text.find("-->")
        text = text[end + 3 :] if end >= 0 else text
    text = text.strip()
    return f"\n{text}\n" if text else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the action; the exit code (see the module's docstring)."""
    with signals.interruptible():
        try:
            args = build_parser().parse_args(argv)
            try:
                code: int = args.handler(args)
            except (UsageError, InputError, OutputError) as error:
                print(f"{PROG}: error: {error}", file=sys.stderr)
                return EXIT_BAD_INPUT
            return code
        except KeyboardInterrupt as interrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return signals.exit_code(interrupt)
