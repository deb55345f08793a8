"""``tf1repro compare``: a tutorial's TF1 graph, TF2 port and NumPy twin on the same inputs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from tf1repro.cli import UsageError, flag, options
from tf1repro.equivalence import Case, Report
from tf1repro.reproduction import DEFAULT as DEFAULT_TUTORIAL

#: Exit code when some pair differs by more than the tolerance.
EXIT_MISMATCH = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="prove a tutorial's graph, TF2 port and NumPy twin compute the same numbers",
        description=(
            "Train the tutorial (default: the article) on the TF1 graph backend, replay the "
            "recorded inputs on its TF2 port and its NumPy twin, and print, per backend pair, "
            "every variable's and fetch's worst distance in float32 ulps at that quantity's own "
            "scale, where it occurs and the first step that differs. Exit 0 when every pair is "
            "within --tolerance, 1 otherwise.\n\n"
            "With --record RUN and a TUTORIAL, check the tutorial against the recording of the "
            "unmodified script it restates (`tf1repro legacy run SCRIPT --seed N --record`): "
            "trained with the recording's seed, it must feed, start from and compute the same "
            "bits (feeds, initial values, variables after every step, the recorded loss)."
        ),
        epilog_of=options.config_epilog,
    )
    options.add_tutorial(parser)
    options.add_seed(parser, recorded=True)
    parser.add_argument(
        "--sweep",
        metavar="PARAMETER=V1,V2,...",
        default=None,
        help="compare every part whose config has PARAMETER once per value, each checked as "
        "the config option would be; cases are named PART-VALUE (e.g. --sweep batch_size=1,20 "
        "compares batch-1 and batch-20). Default: the script's own sweep (the article's: "
        "batch_size=1,20,100) unless that parameter's config option is given",
    )
    options.add_tolerance(parser)
    parser.add_argument(
        "--runs",
        nargs="+",
        metavar="FILE",
        help="compare these record files pairwise instead of training (e.g. a golden run and a "
        "new one); training options are then ignored",
    )
    options.add_recording(parser, tutorial=True)
    parser.add_argument(
        "--graph",
        metavar="N[,N...]",
        help="with --record and a TUTORIAL: the recorded graph (record_N.json) of each of its "
        "parts, in order (default: the graphs in order; one part of a built-in script, its "
        "place in the script)",
    )
    options.add_json(parser, "the report")
    options.add_logdir(parser)
    options.add_verbose(parser)
    # Given or not: with --record, a TUTORIAL means "check it", none means "check a --port".
    parser.set_defaults(handler=handle, config_options=True, tutorial=None)


def handle(args: argparse.Namespace) -> int:
    from tf1repro import equivalence

    mode = _mode(args)
    tolerance = equivalence.validate_tolerance(args.tolerance)
    if mode is not _against_recording:
        if args.tutorial is None:
            args.tutorial = DEFAULT_TUTORIAL
        args.seed = 0 if args.seed is None else args.seed
    report = mode(args, tolerance)
    if report is None:
        return EXIT_MISMATCH
    if args.json:
        print(json.dumps(report.to_dict(), indent=1, allow_nan=False))
    else:
        print("\n".join(report.table()))
    return 0 if report.passed else EXIT_MISMATCH


def _mode(args: argparse.Namespace) -> Callable[[argparse.Namespace, float], Report | None]:
    """The comparison the options ask for, once combinations that mean nothing are refused:
    a TUTORIAL against a recording, a --port against one, --runs, or a TUTORIAL trained."""
    trained = args.record is None and args.port is None and not args.runs
    if args.sweep is not None and not trained:
        raise UsageError("--sweep applies to a TUTORIAL trained here, not to --runs or --record")
    against_record = args.record is not None and args.tutorial is not None
    if args.graph is not None and not against_record:
        raise UsageError("--graph needs --record and a TUTORIAL")
    if args.record is not None and args.port is None and args.tutorial is None:
        raise UsageError("--record needs --port or a TUTORIAL")
    if against_record and args.port is not None:
        raise UsageError("give --port or a TUTORIAL to check against --record, not both")
    if args.record is not None or args.port is not None:
        if args.runs or args.logdir is not None:
            raise UsageError("--record cannot be combined with --runs or --logdir")
        return _against_recording if against_record else _port_against_recording
    if args.runs:
        if args.logdir is not None:
            raise UsageError("--logdir cannot be combined with --runs")
        return _runs
    return _trained


def _port_against_recording(args: argparse.Namespace, tolerance: float) -> Report:
    from tf1repro import runtime
    from tf1repro.recording.port_check import check_ports

    recorded = options.recording(args)
    assert recorded is not None  # this mode is chosen only with --record or --port
    folder, port = recorded
    runtime.configure(verbose=args.verbose)
    return check_ports(folder, port, tolerance_ulps=tolerance, verbose=args.verbose)


def _runs(args: argparse.Namespace, tolerance: float) -> Report:
    return _recorded(args.runs, tolerance)


def _trained(args: argparse.Namespace, tolerance: float) -> Report:
    from tf1repro import equivalence, runtime
    from tf1repro.cli.progress import count_bar

    cases, seed = _cases(args)
    logdir = options.logdir(args)
    runtime.configure(verbose=args.verbose)
    with count_bar("compare", "run", enabled=not args.json) as tick:
        if logdir is None:
            report, _ = equivalence.three_way(
                cases, seed, tolerance_ulps=tolerance, verbose=args.verbose, progress=tick
            )
            return report
        return _with_events(cases, seed, tolerance, logdir, args.verbose, tick)


def _against_recording(args: argparse.Namespace, tolerance: float) -> Report | None:
    """The tutorial against the run folder's recording; None (said in one line) when its
    graph is not the recorded one."""
    import sys

    from tf1repro import runtime
    from tf1repro.recording.restatement import Mismatch, check_tutorials
    from tf1repro.reproduction import parts

    folder = options.recording_folder(args.record)
    graphs = None if args.graph is None else options.numbers(args.graph, "--graph")
    seed = None if args.seed is None else options.seed(args)
    _, tutorials = parts(args.tutorial)
    overrides = options.config_overrides(tutorials, args.extra)
    runtime.configure(verbose=args.verbose)
    try:
        return check_tutorials(
            folder,
            args.tutorial,
            seed=seed,
            graphs=graphs,
            overrides=overrides,
            tolerance_ulps=tolerance,
        )
    except Mismatch as mismatch:
        print(f"tf1repro compare: {mismatch}", file=sys.stderr)
        return None


def _cases(args: argparse.Namespace) -> tuple[list[Case], int]:
    from tf1repro.equivalence import sweep_cases
    from tf1repro.reproduction import configs, parts

    seed = options.seed(args)
    script, tutorials = parts(args.tutorial)
    overrides = options.config_overrides(tutorials, args.extra)
    if args.sweep is None:
        # The script's own sweep, unless a config option sets what it sweeps.
        sweep = script.sweep if script is not None else None
        if sweep is not None and sweep.parameter in overrides:
            sweep = None
    else:
        sweep = options.sweep(args.sweep)
        if sweep.parameter in overrides:
            given = flag(sweep.parameter)
            raise UsageError(f"{given} cannot be combined with --sweep {args.sweep}")
    return sweep_cases(tutorials, configs(tutorials, overrides), sweep), seed


def _with_events(
    cases: list[Case],
    seed: int,
    tolerance: float,
    logdir: Any,
    verbose: bool,
    progress: Any,
) -> Report:
    from tf1repro import equivalence
    from tf1repro.backends.tensorboard import EventLog, write_v1_events

    with EventLog(logdir) as log:
        report, by_case = equivalence.three_way(
            cases,
            seed,
            tolerance_ulps=tolerance,
            logdir=log.scratch,
            verbose=verbose,
            progress=progress,
        )
        for (label, _, _), records in zip(cases, by_case, strict=True):
            for backend in ("graph", "numpy"):
                if backend in records:
                    folder = log.folder(label, backend)
                    write_v1_events(records[backend], folder, with_graph=backend == "graph")
        log.publish()
    return report


def _recorded(paths: list[str], tolerance: float) -> Report:
    from pathlib import Path

    from tf1repro import equivalence
    from tf1repro.record import load_record

    for path in paths:
        if not path:
            raise UsageError("--runs '' is empty; name a record file")
    records = [options.checked_record(Path(path), load_record(path)) for path in paths]
    try:
        return equivalence.recorded(records, tolerance_ulps=tolerance)
    except ValueError as error:
        raise UsageError(f"--runs: {error}") from None
