"""``tf1repro legacy check DIR``: every script of a folder, one child process each, in a table."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tf1repro.cli.legacy.options as options
from tf1repro.cli import UsageError
from tf1repro.cli.legacy.runs import folder_run

if TYPE_CHECKING:
    from tf1repro.legacy.releases import Logs
    from tf1repro.legacy.script_run import ScriptRun


def add_parser(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="run every *.py in a folder and tabulate the outcomes",
        description="Run every *.py in DIR, one child process each, and print a table.",
    )
    options.add_run(check)
    options.add_folder(check, "legacy-check")
    options.add_fresh(check)
    check.add_argument(
        "--python", help="interpreter to run the scripts with (default: the one running tf1repro)"
    )
    options.add_tensorflow(check, several=False)
    check.add_argument(
        "--json", action="store_true", help="print the run records as a JSON list instead"
    )
    check.add_argument(
        "--release",
        help="this release's label in a --result file (default: the interpreter's TensorFlow "
        "version)",
    )
    options.add_shard(check)
    check.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from tf1repro.legacy.folder import check_folder

    releases = options.tensorflow_releases(args)
    settings = options.settings(
        args,
        python=options.interpreter(args.python, besides=releases),
        jobs=args.jobs,
        fresh=args.fresh,
    )
    target = folder_run(args)
    label = ""
    if target.result is not None:
        # A release's label is what --tensorflow calls it, as in `legacy matrix`.
        given = args.release if args.release is not None or not releases else releases[0].text
        label = _release_label(given, settings.python)
    target.check_out()
    for made in options.environments(args, releases):
        settings = settings.replace(python=made.python)
    result = target.run(
        "check",
        "script",
        lambda tick: check_folder(
            target.selected, target.out, settings, root=target.folder, progress=tick
        ),
        bar=not args.json,
    )
    if isinstance(result, int):
        return result
    target.write_result("check", settings, {label: result}, _logs(target.out))
    text, code = report(result, args.json, root=target.folder)
    print(text)
    return code


def report(
    runs: Sequence[ScriptRun],
    as_json: bool,
    root: Path | None = None,
    names: Sequence[str] | None = None,
) -> tuple[str, int]:
    """The table of ``runs`` (see ``legacy.folder.table``; ``as_json``: the run records as a
    JSON list), and the exit status: 0 when every script ran to the end."""
    from tf1repro.legacy.folder import table

    if as_json:
        text = json.dumps([run.to_dict() for run in runs], indent=1)
    else:
        text = "\n".join(table(runs, root=root, names=names))
    return text, 0 if all(run.status == "ok" for run in runs) else options.EXIT_DIFFERENT


def _logs(out: Path) -> Logs:
    """What each run printed, by its name below DIR (one release: the label is not needed)."""
    from tf1repro.legacy.shards import stdout_of

    return lambda label, name: stdout_of(out / Path(name).with_suffix(""))


def _release_label(release: str | None, python: str | None) -> str:
    """``--release`` checked, else the TensorFlow version of the interpreter (``none``)."""
    from tf1repro.legacy import releases
    from tf1repro.legacy.interpreters import interpreter_versions

    if release is not None:
        if not releases.LABEL.match(release):
            raise UsageError(
                f"--release must be letters, digits, '.', '_' or '-' (e.g. 2.21); got {release!r}"
            )
        return release
    try:
        found = interpreter_versions(python or sys.executable).get("tensorflow", "")
    except OSError:
        found = ""
    return found or "none"
