"""``tf1repro diagnose``: where a tutorial's TF2 port (or NumPy twin) first parts from its graph,
or a program that ``tf1repro port`` wrote (edited since) from the original's recording.

Exit codes: 0 the backends agree within --tolerance; 1 they differ (the diagnosis says where).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tf1repro.cli import UsageError, options

EXIT_DIFFERENT = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="say where a tutorial's TF2 port first differs from its TF1 graph, and in which stage",
        description=(
            "Train the tutorial's TF1 graph, replay it on the TF2 port (or the NumPy twin), "
            "find the first step where they differ beyond --tolerance, and run that step on "
            "both from the same state: the first of the forward fetches, a variable's gradient "
            "or its update that differs is the diagnosis. With --record RUN --program FILE.py, "
            "the program that `tf1repro port SCRIPT --record RUN` wrote (edited or not) is run "
            "and checked against the original's recording, then its printed numbers: exit 0 "
            "when it still computes the original's numbers."
        ),
        epilog_of=options.config_epilog,
    )
    options.add_tutorial(parser, default=None)
    options.add_seed(parser)
    parser.add_argument(
        "--backend",
        default="eager",
        help="the backend to diagnose against the graph: eager (default) or numpy",
    )
    options.add_tolerance(parser)
    options.add_recording(parser)
    parser.add_argument(
        "--program",
        metavar="FILE.py",
        help="a program `tf1repro port SCRIPT --record RUN` wrote, edited or not: diagnose it "
        "against RUN",
    )
    options.add_json(parser, "the diagnosis")
    options.add_verbose(parser)
    parser.set_defaults(handler=handle, config_options=True)


def handle(args: argparse.Namespace) -> int:
    from tf1repro.backends import backends_of
    from tf1repro.equivalence import validate_tolerance
    from tf1repro.reproduction import configs, parts

    seed = options.seed(args)
    tolerance = validate_tolerance(args.tolerance)
    if args.program is not None:
        return _program(args, tolerance)
    recorded = options.recording(args)
    if recorded is not None:
        if args.tutorial is not None:
            raise UsageError(
                f"TUTORIAL {args.tutorial!r} does not apply to --record: the --port is diagnosed "
                "against the recording"
            )
        return _recorded(args, *recorded, tolerance)
    script, tutorials = parts(args.tutorial)
    if script is not None:
        names = ", ".join(script.parts)
        raise UsageError(
            f"TUTORIAL {args.tutorial!r} is a script; diagnose one of its parts: {names}"
        )
    tutorial = tutorials[0]
    if args.backend not in ("eager", "numpy"):
        raise UsageError(f"--backend must be eager or numpy; got {args.backend!r}")
    if args.backend not in backends_of(tutorial):
        what = "TF2 port (port_v2)" if args.backend == "eager" else "NumPy twin (numpy_twin)"
        raise UsageError(f"TUTORIAL {args.tutorial!r} has no {what} to diagnose")
    (config,) = configs(tutorials, options.config_overrides(tutorials, args.extra))

    from tf1repro import runtime
    from tf1repro.diagnose import diagnose_tutorial

    runtime.configure(verbose=args.verbose)
    diagnosis = diagnose_tutorial(
        tutorial, config, seed, args.backend, tolerance_ulps=tolerance, verbose=args.verbose
    )
    if args.json:
        print(json.dumps(diagnosis.to_dict(), indent=1, allow_nan=False))
    else:
        print("\n".join(diagnosis.lines()))
    return 0 if diagnosis.agrees else EXIT_DIFFERENT


def _recorded(args: argparse.Namespace, folder: str, port: str, tolerance: float) -> int:
    """``--record RUN --port FILE``: each port against its recorded graph."""
    from tf1repro import runtime
    from tf1repro.recording.port_check import diagnose_ports

    runtime.configure(verbose=args.verbose)
    diagnoses = diagnose_ports(folder, port, tolerance_ulps=tolerance, verbose=args.verbose)
    if args.json:
        print(json.dumps([d.to_dict() for d in diagnoses], indent=1, allow_nan=False))
    else:
        print("\n".join(line for diagnosis in diagnoses for line in diagnosis.lines()))
    return 0 if all(diagnosis.agrees for diagnosis in diagnoses) else EXIT_DIFFERENT


def _program(args: argparse.Namespace, tolerance: float) -> int:
    """``--record RUN --program FILE.py``: a ported program against the original's recording."""
    from tf1repro.recording.autoport import ScriptFailed
    from tf1repro.recording.program_check import diagnose_program

    if args.record is None:
        raise UsageError("--program needs --record RUN, kept by `tf1repro port SCRIPT --record`")
    for given, option in ((args.port, "--port"), (args.tutorial, "TUTORIAL")):
        if given is not None:
            raise UsageError(f"{option} {given!r} does not apply to --program")
    if args.extra:
        raise UsageError(f"config options do not apply to --program: {' '.join(args.extra)}")
    if not args.program.endswith(".py"):
        raise UsageError(f"--program {args.program!r} must be a .py file")
    folder = options.recording_folder(args.record)
    try:
        check = diagnose_program(folder, args.program, tolerance_ulps=tolerance)
    except ScriptFailed as error:
        print(f"tf1repro diagnose: {error}", file=sys.stderr)
        return EXIT_DIFFERENT
    if args.json:
        print(json.dumps(check.to_dict(), indent=1, allow_nan=False))
    else:
        print("\n".join(check.lines()))
    return 0 if check.agrees else EXIT_DIFFERENT
