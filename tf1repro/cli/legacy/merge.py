"""``tf1repro legacy merge RESULTS``: the result files of ``--shard`` runs, one table again."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import tf1repro.cli.legacy.check as check
import tf1repro.cli.legacy.matrix as matrix
import tf1repro.cli.legacy.options as options
from tf1repro.cli import UsageError
from tf1repro.cli import options as cli_options


def add_parser(commands: Any) -> None:
    merge = commands.add_parser(
        "merge",
        help="put the result files of --shard runs back together into one table",
        description=(
            "Merge the --result files of `legacy check --shard` or `legacy matrix --shard` "
            "runs and print the table one unsharded run would have printed: `check`'s table "
            "for one release, the script-by-release table for several. A set with a missing or "
            "duplicate shard, or shards of different folders, seeds or numbers of shards, is "
            "refused."
        ),
    )
    merge.add_argument(
        "results", nargs="+", metavar="RESULTS", help="result files, or folders of *.json ones"
    )
    merge.add_argument(
        "--json",
        action="store_true",
        help="print the run records as a JSON list, as `legacy check --json` (one release)",
    )
    merge.add_argument(
        "--reference",
        help="several releases: the one the others are compared with (default: matrix's own, "
        "else the first)",
    )
    merge.add_argument(
        "--rtol",
        type=cli_options.number,
        help="several releases: largest relative difference still counted as the same "
        "(default: matrix's own, else 0)",
    )
    merge.add_argument("--out", help="also write the table to this file as a Markdown page")
    merge.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from tf1repro import files
    from tf1repro.legacy import shards

    if args.out is not None:
        files.check_output_file(args.out, option="--out")
    paths = shards.result_files(Path(text) for text in args.results)
    if not paths:
        raise UsageError(f"RESULTS {' '.join(args.results)} holds no *.json result files")
    try:
        merged = shards.merge([(path, shards.ShardResult.load(path)) for path in paths])
    except shards.MergeError as error:
        raise UsageError(str(error)) from None
    labels = merged.releases
    if merged.command == "check" and len(labels) == 1:
        if args.reference is not None or args.rtol is not None:
            option = "--reference" if args.reference is not None else "--rtol"
            raise UsageError(
                f"{option} compares several releases; these results hold one: {labels[0]}"
            )
        entries = merged.runs[labels[0]]
        text, code = check.report(
            [entry.run for entry in entries], args.json, names=[entry.name for entry in entries]
        )
    else:
        if args.json:
            raise UsageError(
                f"--json is for the results of `legacy check` on one release; these hold "
                f"{len(labels)} releases: {', '.join(labels)}"
            )
        reference = matrix.reference_of(args.reference or merged.reference, labels)
        rtol = merged.rtol if args.rtol is None else options.rtol(args.rtol)
        by_name = {label: {e.name: e.run for e in merged.runs[label]} for label in labels}
        text, code = matrix.report(by_name, reference, merged.logs(), rtol)
    print(text)
    if args.out is not None:
        files.write_file(
            args.out, shards.markdown(merged, text, len(paths)).encode(), option="--out"
        )
    return code
