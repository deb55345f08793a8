"""``tf1repro study``: many seeds per batch size; the article's pros and cons, measured."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from tf1repro import files
from tf1repro.cli import UsageError, options

TABLE_NAME = "study.md"
PLOT_NAME = "study.png"
JSON_NAME = "study.json"

#: Room the three outputs need at most (the PNG is ~100 kB, the JSON grows with the steps):
#: checked against the free space before training.
EXPECTED_BYTES = 4 * 1024 * 1024
#: The tutorial whose config options a study takes, but the batch size (--batch-sizes sets it).
STUDY_TUTORIAL = "batch"
STUDY_SKIP = ("batch_size",)


def add_parser(subparsers: Any) -> None:
    from tf1repro.tutorials.article.study import DEFAULT_BATCH_SIZES

    parser = subparsers.add_parser(
        "study",
        help="train many seeds per batch size and measure the article's claims",
        description=(
            "Train --runs seeds for each batch size (1 = the stochastic trainer) in vectorised "
            "TF1 graphs; print the article's pros and cons table with measured numbers and "
            "write the table (Markdown), a plot (PNG) and every figure (JSON) into --out."
        ),
        epilog_of=lambda: options.config_epilog(STUDY_TUTORIAL, skip=STUDY_SKIP),
    )
    parser.add_argument(
        "--runs", type=options.number, default=1000, help="seeds per batch size (default 1000)"
    )
    parser.add_argument(
        "--batch-sizes",
        default=",".join(str(b) for b in DEFAULT_BATCH_SIZES),
        help="comma-separated batch sizes; 1 is the stochastic trainer (default %(default)s)",
    )
    options.add_seed(parser)
    parser.add_argument(
        "--backend",
        choices=("graph", "numpy"),
        default="graph",
        help="vectorised TF1 graph (default) or its NumPy float32 twin",
    )
    parser.add_argument("--out", default="study", help="folder for the outputs (default ./study)")
    parser.add_argument(
        "--json", action="store_true", help="print the JSON on stdout instead of the table"
    )
    options.add_verbose(parser)
    parser.set_defaults(handler=handle, config_options=True)


def batch_sizes(text: str) -> list[int]:
    """``"1,2,20"`` -> [1, 2, 20]; anything else is a one-line usage error."""
    parts = [part.strip() for part in text.split(",")]
    try:
        values = [int(part) for part in parts]
    except ValueError:
        values = []
    if not text.strip() or not values or any(v < 1 for v in values):
        raise UsageError(
            f"--batch-sizes must be a comma-separated list of ints >= 1, e.g. 1,2,5,20; "
            f"got {text!r}"
        )
    return values


def handle(args: argparse.Namespace) -> int:
    from tf1repro.tutorial import load_tutorial
    from tf1repro.tutorials.article import TrainConfig
    from tf1repro.tutorials.article.study import check_study_size, run_study, validate_runs

    overrides = options.config_overrides(
        [load_tutorial(STUDY_TUTORIAL)], args.extra, skip=STUDY_SKIP
    )
    config = TrainConfig(**overrides)
    seed = options.seed(args)
    runs = validate_runs(args.runs, seed)
    sizes = batch_sizes(args.batch_sizes)
    check_study_size(config, sizes, runs)
    names = (TABLE_NAME, PLOT_NAME, JSON_NAME)
    files.check_output_folder(args.out, option="--out", names=names, expected_bytes=EXPECTED_BYTES)

    from tf1repro import runtime
    from tf1repro.tutorials.article.study import figure, table

    runtime.configure(verbose=args.verbose)
    with _progress_bar(runs * len(set(sizes)), enabled=not args.json) as advance:
        study = run_study(config, sizes, runs, seed, backend=args.backend, progress=advance)
    document = files.dumps_json(study.to_dict())
    outputs = {
        TABLE_NAME: table.markdown(study).encode(),
        PLOT_NAME: figure.study_png(study),
        JSON_NAME: document.encode(),
    }
    # One set: a kill while writing leaves the previous study's three files or the new three.
    files.publish(args.out, outputs, option="--out")
    if args.json:
        sys.stdout.write(document)
    else:
        print(table.text(study))
        print(f"\nWrote {', '.join(outputs)} to {args.out}/")
    return 0


@contextlib.contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar on stderr when stderr is a terminal (and not --json); otherwise nothing."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from tqdm import tqdm

    from tf1repro.cli.progress import terminal

    # Its own copy of the terminal: a graph backend's stderr is captured while it trains.
    with (
        terminal() as stream,
        tqdm(total=total, unit="run", file=stream, leave=False) as bar,
    ):

        def advance(runs: int) -> None:
            bar.update(runs)

        yield advance


__all__ = ["JSON_NAME", "PLOT_NAME", "TABLE_NAME", "add_parser", "batch_sizes", "handle"]
