"""``tf1repro reproduce``: a tutorial's log, its figures, and its records as JSON.

With no tutorial it is the article: both trainers, its log and its loss plot.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from tf1repro.cli import options


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="train a tutorial's TF1 graph (default: the article) and print its log",
        description=(
            "Rebuild the tutorial's TF1 graph (every part, for a script such as the article), "
            "train it, print the original's log, and write its figures and one record (JSON) "
            "per part into --out."
        ),
        epilog_of=options.config_epilog,
    )
    options.add_tutorial(parser)
    options.add_seed(parser)
    parser.add_argument(
        "--out",
        default="artifacts",
        help="folder for the figures and the records (default ./artifacts)",
    )
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figures")
    options.add_json(parser, "the log, the records and the written paths")
    options.add_logdir(parser)
    options.add_verbose(parser)
    parser.set_defaults(handler=handle, config_options=True)


def handle(args: argparse.Namespace) -> int:
    from tf1repro.reproduction import parts, reproduce

    seed = options.seed(args)
    _, tutorials = parts(args.tutorial)
    overrides = options.config_overrides(tutorials, args.extra)
    from tf1repro.reproduction import configs

    configs(tutorials, overrides)  # every bad value is refused before anything is written
    names = [f"run_{tutorial.name}.json" for tutorial in tutorials]
    out = options.output_dir(args.out, names=names)
    logdir = options.logdir(args)

    from tf1repro import runtime

    runtime.configure(verbose=args.verbose)
    result = reproduce(args.tutorial, seed, progress=_progress(args), **overrides)
    figures = {} if args.no_plot else result.figures()
    files = {**figures, **result.record_files()}
    events = []
    if logdir is not None:
        from tf1repro.backends.tensorboard import write_records

        events = write_records(
            [(t.name, r) for t, r in zip(result.tutorials, result.records, strict=True)], logdir
        )
    from tf1repro.files import publish

    publish(out, files, option="--out")
    written = [out / name for name in files]
    if args.json:
        document = {
            "log": result.log(),
            "records": {
                t.name: r.to_dict() for t, r in zip(result.tutorials, result.records, strict=True)
            },
            "written": [str(path) for path in written + events],
        }
        print(json.dumps(document, indent=1, allow_nan=False))
    else:
        print("\n".join(result.log()))
        print(f"Wrote {', '.join(path.name for path in written)} to {out}/")
        if events:
            print(f"Wrote TensorBoard events to {logdir}/ (view: tensorboard --logdir {logdir})")
    return 0


def _progress(args: argparse.Namespace) -> Any:
    """For a long run (not with --json): a bar on a terminal, plain lines elsewhere."""
    from tf1repro.cli.progress import step_bar

    return step_bar(enabled=not args.json, what="tf1repro reproduce")
