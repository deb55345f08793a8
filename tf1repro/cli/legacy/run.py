"""``tf1repro legacy run SCRIPT``: one script, run and recorded."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tf1repro.cli.legacy.options as options
from tf1repro.cli import Parser, UsageError
from tf1repro.cli import options as cli_options
from tf1repro.cli.legacy.runs import stoppable
from tf1repro.config import Int

if TYPE_CHECKING:
    from tf1repro.recording.reader import Recording

RECORD_STEPS = Int(1)


def add_parser(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        parents=[_run_options()],
        help="run one script and record it",
        description=(
            "Run SCRIPT in a child process, in a working copy of its folder. Its stdout is "
            "echoed; stdout, stderr, TensorFlow's own log, figures, the files it wrote (files/) "
            "and run.json go into --out."
        ),
    )
    run.add_argument("script", help="the TF1 script (.py) to run, unmodified")
    run.add_argument(
        "script_args",
        nargs=argparse.REMAINDER,
        metavar="-- ARGS",
        help="arguments for the script, after --",
    )
    run.set_defaults(handler=handle)


def _run_options() -> Parser:
    """The options of ``legacy run``, which may also follow SCRIPT (argparse would hand them to
    the script's arguments), so they are parsed again from there up to ``--``."""
    parser = Parser(prog="tf1repro legacy run", add_help=False)
    options.add_run(parser)
    parser.add_argument(
        "--out", help="folder for the run record (default: legacy-runs/<script name>)"
    )
    parser.add_argument(
        "--python", help="interpreter to run the script with (default: the one running tf1repro)"
    )
    options.add_tensorflow(parser, several=False)
    parser.add_argument(
        "--record",
        action="store_true",
        help="record every graph's training (feeds, initial values, variables and the loss after "
        "every step) as record_N.json, the ground truth a TF2 port is compared with",
    )
    parser.add_argument(
        "--record-steps",
        type=cli_options.number,
        metavar="N",
        help="record at most N steps per graph (implies --record; the record says where it "
        "was cut)",
    )
    return parser


def _split_script_args(args: argparse.Namespace) -> list[str]:
    """Parse the run options found after SCRIPT into ``args``; return what follows ``--``."""
    rest: list[str] = args.script_args
    cut = rest.index("--") if "--" in rest else len(rest)
    _run_options().parse_args(rest[:cut], namespace=args)
    return rest[cut + 1 :]


def _recording(args: argparse.Namespace) -> Recording | None:
    """``--record`` and ``--record-steps`` (which implies it); None: nothing recorded."""
    from tf1repro.recording.reader import Recording

    steps = args.record_steps
    if steps is not None:
        steps = RECORD_STEPS.check("record_steps", steps)
    if not args.record and steps is None:
        return None
    return Recording(steps=steps)


def handle(args: argparse.Namespace) -> int:
    from tf1repro.files import read_bytes
    from tf1repro.legacy.runner import check_run_folder, run_recorded

    script_args = _split_script_args(args)
    script = Path(args.script)
    if not script.is_file():
        raise UsageError(f"SCRIPT {args.script!r} is not a file")
    releases = options.tensorflow_releases(args)
    settings = options.settings(
        args, python=options.interpreter(args.python, besides=releases), record=_recording(args)
    )
    text = args.out if args.out is not None else os.path.join("legacy-runs", script.stem)
    check_run_folder(text)
    out = Path(text)
    for made in options.environments(args, releases):
        settings = settings.replace(python=made.python)

    result = stoppable(lambda: run_recorded(script, out, settings, args=script_args), out)
    if isinstance(result, int):
        return result
    run, records = result
    # The script's own output, echoed as it was (undecodable bytes and all).
    sys.stdout.flush()
    sys.stdout.buffer.write(read_bytes(out / "stdout.txt"))
    sys.stdout.buffer.flush()
    extras = [f"{len(run.figures)} figure(s)"] if run.figures else []
    if run.files:
        extras.append(f"{len(run.files)} file(s) written")
    if run.served:
        extras.append(f"{len(run.served)} stand-in(s) used")
    if run.downloads:
        extras.append(f"{len(run.downloads)} download(s) from the data cache")
    if settings.record is not None:
        extras.append(f"{len(run.records)} graph(s) recorded")
    extra = "".join(f", {text}" for text in extras)
    if run.status == "ok":
        print(
            f"tf1repro legacy: {script.name} ran in {run.seconds:.1f} s{extra}; record in {out}/",
            file=sys.stderr,
        )
        if settings.record is not None:
            from tf1repro.recording.reader import summary

            named = dict(zip(run.records, records, strict=True))
            print("\n".join(summary(named)), file=sys.stderr)
        return 0
    kind = "" if run.kind == run.status else f" ({run.kind})"
    print(
        f"tf1repro legacy: {script.name} {run.status}{kind}: {run.reason}; record in {out}/",
        file=sys.stderr,
    )
    return options.EXIT_DIFFERENT
