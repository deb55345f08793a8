"""``tf1repro tutorials``: the built-in tutorials and scripts, one line each."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tf1repro.cli import options


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tutorials",
        help="list the built-in tutorials and scripts",
        description=(
            "List the built-in tutorials (one TF1 graph each) and scripts (tutorials an "
            "original runs one after another, such as the article), with the backends each can "
            "run on. Any command that takes a tutorial also takes a file path/to/file.py."
        ),
    )
    parser.add_argument(
        "--measure",
        action="store_true",
        help="also train each tutorial (seed 0), replay its TF2 port and NumPy twin, and print "
        "the table of ops, optimizer, steps and worst ulps (takes minutes)",
    )
    options.add_json(parser, "the list")
    options.add_verbose(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from tf1repro.backends import backends_of
    from tf1repro.tutorial import get_script, load_tutorial, script_names, tutorial_names

    rows: list[dict[str, Any]] = []
    for name in script_names():
        script = get_script(name)
        assert script is not None
        rows.append(
            {"name": name, "kind": "script", "parts": list(script.parts), "summary": script.summary}
        )
    for name in tutorial_names():
        tutorial = load_tutorial(name)
        rows.append(
            {
                "name": name,
                "kind": "tutorial",
                "backends": list(backends_of(tutorial)),
                "steps": tutorial.Config().steps,
                "summary": tutorial.summary,
            }
        )
    if args.measure:
        return _measured(args)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        what = (
            "script: " + " + ".join(row["parts"])
            if row["kind"] == "script"
            else ", ".join(row["backends"])
        )
        print(f"{row['name']:<{width}}  {what:<22}  {row['summary']}")
    return 0


def _measured(args: argparse.Namespace) -> int:
    from tf1repro import runtime
    from tf1repro.equivalence import measure
    from tf1repro.tutorial import load_tutorial, tutorial_names

    runtime.configure(verbose=args.verbose)
    rows = [measure(load_tutorial(name), verbose=args.verbose) for name in tutorial_names()]
    if args.json:
        print(json.dumps(rows, indent=1, allow_nan=False))
        return 0

    def ulps(value: float | None) -> str:
        return "-" if value is None else f"{value:g}"

    print("| tutorial | ops | optimizer | steps | graph↔TF2 ulps | graph↔NumPy ulps |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        optimizer = ", ".join(op.removeprefix("Apply") for op in row["optimizer"])
        print(
            f"| {row['tutorial']} | {', '.join(row['ops'])} | {optimizer} | {row['steps']} | "
            f"{ulps(row['graph_eager_ulps'])} | {ulps(row['graph_numpy_ulps'])} |"
        )
    kernels = {row["kernels"] for row in rows}
    print(f"\nseed 0, kernels {', '.join(sorted(k for k in kernels if k))}")
    return 0
