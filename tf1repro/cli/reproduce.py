"""``tf1repro reproduce``: the article's log, its loss plot, and both Runs as JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tf1repro.cli import options


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="train both of the article's trainers and print its log",
        description=(
            "Rebuild the article's stochastic and batch TF1 graphs, train them, print the "
            "article's log, and write the loss plot and both Runs (JSON) into --out."
        ),
    )
    options.add_seed(parser)
    options.add_training(parser)
    parser.add_argument(
        "--out",
        default="artifacts",
        help="folder for the plot and the Run records (default ./artifacts)",
    )
    parser.add_argument("--no-plot", action="store_true", help="do not draw the loss plot")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a machine-readable result on stdout instead of the log",
    )
    options.add_logdir(parser)
    options.add_verbose(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    config = options.training_config(args)
    seed = options.seed(args)
    out = options.output_dir(args.out)
    logdir = options.logdir(args)

    from tf1repro import article, runtime

    runtime.configure(verbose=args.verbose)
    runs = article.reproduce(config, seed)
    written = article.write_artifacts(runs, out, plot=not args.no_plot)
    events = []
    if logdir is not None:
        from tf1repro.tensorboard_logs import write_runs

        events = write_runs([runs.stochastic, runs.batch], logdir)
    if args.json:
        result = {
            "log": runs.log(),
            "runs": {run.trainer: run.to_dict() for run in (runs.stochastic, runs.batch)},
            "written": [str(path) for path in written + events],
        }
        print(json.dumps(result, indent=1))
    else:
        print("\n".join(runs.log()))
        print(f"Wrote {', '.join(path.name for path in written)} to {out}/")
        if events:
            print(f"Wrote TensorBoard events to {logdir}/ (view: tensorboard --logdir {logdir})")
    return 0
