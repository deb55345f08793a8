"""``tf1repro matrix``: run the fidelity suite on this TensorFlow (``run``), or render results
(``report``).

``run`` needs a source checkout (it runs the test files under ``--tests``) and pytest. Its exit
code is 0 when every check passed, 1 otherwise. ``report`` needs neither TensorFlow nor pytest.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tf1repro.cli import Parser, UsageError

DEFAULT_RESULTS = "matrix-results"
EXIT_CHECKS_FAILED = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "matrix",
        help="run the fidelity suite on the installed TensorFlow, or render results as Markdown",
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
            "determinism) from a source checkout on the installed TensorFlow, record what "
            "TensorFlow prints and its import time, write the result JSON and print the verdict."
        ),
    )
    run.add_argument("--tests", default="tests", help="the checkout's tests folder (./tests)")
    run.add_argument(
        "--release",
        help="the label of this release in the report (default: the installed major.minor)",
    )
    run.add_argument(
        "--out",
        help=f"result file (default ./{DEFAULT_RESULTS}/tf-<release>.json)",
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
    report.set_defaults(handler=handle_report)


def handle_run(args: argparse.Namespace) -> int:
    tests = Path(args.tests)
    if not (tests / "golden").is_dir():
        raise UsageError(f"--tests {args.tests!r} is not a tf1repro tests folder (no golden/)")
    out = Path(args.out) if args.out else None
    if out is not None:
        _check_out(out)
    try:
        import pytest  # noqa: F401
    except ImportError:
        raise UsageError("the matrix runs pytest: install it (pip install pytest)") from None

    from tf1repro.files import write_atomically
    from tf1repro.matrix.render import render_markdown, summary_line
    from tf1repro.matrix.run import run_suite

    record = run_suite(tests, args.release)
    if out is None:
        out = Path(DEFAULT_RESULTS) / f"tf-{record['release']}.json"
        _check_out(out)
    write_atomically({out: (json.dumps(record, indent=1) + "\n").encode()})
    print()
    print(render_markdown([record], title=f"TensorFlow {record['release']}"))
    print(summary_line(record))
    print(f"Wrote {out}")
    return 0 if record["outcome"] == "passed" else EXIT_CHECKS_FAILED


def handle_report(args: argparse.Namespace) -> int:
    from tf1repro.files import write_atomically
    from tf1repro.matrix.render import ResultError, load_results, render_markdown

    paths = [Path(text) for text in args.results]
    for path in paths:
        if not path.exists():
            raise UsageError(f"results {str(path)!r} does not exist")
    out = Path(args.out) if args.out else None
    if out is not None:
        _check_out(out)
    try:
        records = load_results(paths)
    except ResultError as error:
        raise UsageError(str(error)) from None
    if not records:
        raise UsageError(f"no result files (*.json) in {', '.join(args.results)}")
    page = render_markdown(records, title="Compatibility across TensorFlow releases")
    print(page, end="")
    if out is not None:
        write_atomically({out: page.encode()})
    return 0


def _check_out(out: Path) -> None:
    from tf1repro.files import UnwritableError, check_writable_dir

    try:
        check_writable_dir(out.parent)
    except UnwritableError as error:
        raise UsageError(f"--out {str(out)!r} cannot be written: {error}") from None
