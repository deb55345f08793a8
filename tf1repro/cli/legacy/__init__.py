"""``tf1repro legacy run|check|matrix|merge|diff``: unmodified TF1 scripts on today's TensorFlow.

Exit codes: 0 when the script(s) ran to the end (``diff``: the logs match within ``--rtol``;
``matrix``: no script that ran on the reference release failed or changed on another;
``merge``: as the merged command would have exited), 1
otherwise, 2 for bad input, 128 + N when stopped by signal N (130 for Ctrl-C, 143 for SIGTERM):
the scripts are stopped with everything they started, and unfinished runs write nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tf1repro.cli import Parser, UsageError, options
from tf1repro.config import validate_seed
from tf1repro.errors import ParameterError
from tf1repro.files import InputError, read_bytes

EXIT_DIFFERENT = 1
DEFAULT_TIMEOUT = 600.0
T = TypeVar("T")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "legacy",
        help="run unmodified TF1 scripts, check a folder of them, across releases, diff logs",
        description=(
            "Run TF1-era scripts unmodified on today's TensorFlow (tf.compat.v1, v2 behaviour "
            "off), each in its own process and a working copy of its folder: seeded, headless, "
            "with stand-ins for removed APIs, and logs, figures, files and failures recorded."
        ),
    )
    commands = parser.add_subparsers(
        dest="legacy_command", required=True, parser_class=type(parser)
    )

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
    run.set_defaults(handler=handle_run)

    check = commands.add_parser(
        "check",
        help="run every *.py in a folder and tabulate the outcomes",
        description="Run every *.py in DIR, one child process each, and print a table.",
    )
    check.add_argument("dir", help="folder of TF1 scripts")
    _add_run_options(check)
    _add_folder_options(check, "legacy-check")
    _add_fresh_option(check)
    check.add_argument(
        "--python", help="interpreter to run the scripts with (default: the one running tf1repro)"
    )
    check.add_argument(
        "--json", action="store_true", help="print the run records as a JSON list instead"
    )
    check.add_argument(
        "--release",
        help="this release's label in a --result file (default: the interpreter's TensorFlow "
        "version)",
    )
    _add_shard_options(check)
    check.set_defaults(handler=handle_check)

    matrix = commands.add_parser(
        "matrix",
        help="run a folder of scripts on several TensorFlow releases and compare their numbers",
        description=(
            "Run every *.py in DIR on each --python interpreter (one per TensorFlow release), "
            "with one seed, and print one table, script by release: ok or why not, and whether "
            "the numbers it printed equal the reference release's."
        ),
    )
    matrix.add_argument("dir", help="folder of TF1 scripts")
    _add_run_options(matrix, seed=0)
    _add_folder_options(matrix, "legacy-matrix")
    matrix.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="[RELEASE=]PYTHON",
        help="an interpreter with one TensorFlow release (repeat; labelled with its TensorFlow "
        "version unless RELEASE= is given)",
    )
    _add_fresh_option(matrix)
    matrix.add_argument(
        "--reference", help="the release the others are compared with (default: the first)"
    )
    matrix.add_argument(
        "--rtol",
        type=options.number,
        default=0.0,
        help="largest relative difference still counted as the same (default 0: exact)",
    )
    matrix.add_argument(
        "--collect",
        action="store_true",
        help="run nothing: tabulate the run folders already in --out (OUT/tf-RELEASE/, e.g. "
        "from one `legacy check --out OUT/tf-RELEASE` per Docker image)",
    )
    _add_shard_options(matrix)
    matrix.set_defaults(handler=handle_matrix)

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
        type=options.number,
        help="several releases: largest relative difference still counted as the same "
        "(default: matrix's own, else 0)",
    )
    merge.add_argument("--out", help="also write the table to this file as a Markdown page")
    merge.set_defaults(handler=handle_merge)

    diff = commands.add_parser(
        "diff",
        help="compare the printed numbers of two runs",
        description=(
            "Match the stdout of two runs line by line and report the largest relative "
            "difference between their numbers. RUN_A and RUN_B are run folders or text files."
        ),
    )
    diff.add_argument("run_a", help="run folder (its stdout.txt) or a text file")
    diff.add_argument("run_b", help="run folder (its stdout.txt) or a text file")
    diff.add_argument(
        "--rtol",
        type=options.number,
        default=0.0,
        help="largest relative difference still counted as identical (default 0: exact)",
    )
    diff.set_defaults(handler=handle_diff)


def _add_run_options(parser: argparse.ArgumentParser, seed: int | None = None) -> None:
    parser.add_argument(
        "--seed",
        type=options.number,
        default=seed,
        help="seed random, NumPy and every TF graph "
        + ("(default: run unseeded, as written)" if seed is None else f"(default {seed})"),
    )
    parser.add_argument(
        "--timeout",
        type=options.number,
        default=DEFAULT_TIMEOUT,
        help=f"seconds before a script is stopped (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="no compatibility layer: no stand-ins for removed APIs, only what TF 2 itself does",
    )
    parser.add_argument(
        "--data-dir",
        help="folder holding the four MNIST files, looked in after the script's own train_dir",
    )
    parser.add_argument(
        "--soft-placement",
        action="store_true",
        help="place ops pinned to a missing device (e.g. /gpu:0) on one that exists",
    )
    parser.add_argument(
        "--stdin",
        metavar="FILE",
        help="what each script reads on its standard input, for input() (default: nothing)",
    )


def _add_folder_options(parser: argparse.ArgumentParser, out: str) -> None:
    parser.add_argument(
        "--out", default=out, help=f"folder for one run folder per script (default ./{out})"
    )
    parser.add_argument(
        "--jobs",
        type=options.number,
        default=os.cpu_count() or 1,
        help="scripts run at once (default: the number of CPU cores)",
    )
    parser.add_argument(
        "--recursive",
        action="store_true",
        help="also run the scripts in DIR's subfolders (run folders keep their paths)",
    )


def _add_fresh_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start every script in a fresh interpreter (default: fork it from one that has "
        "imported TensorFlow, where the results cannot differ)",
    )


def _add_shard_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="run only shard I of N: the scripts at positions I, I+N, I+2N... (from 1) of DIR's "
        "scripts sorted by path; writes a --result file for `legacy merge`",
    )
    parser.add_argument(
        "--result",
        metavar="FILE",
        help="write the runs (records and printed logs) to this JSON file for `legacy merge` "
        "(default with --shard: OUT/shard-I-of-N.json)",
    )


def _run_options() -> Parser:
    """The options of ``legacy run``, which may also follow SCRIPT (argparse would hand them to
    the script's arguments), so they are parsed again from there up to ``--``."""
    parser = Parser(prog="tf1repro legacy run", add_help=False)
    _add_run_options(parser)
    parser.add_argument(
        "--out", help="folder for the run record (default: legacy-runs/<script name>)"
    )
    parser.add_argument(
        "--python", help="interpreter to run the script with (default: the one running tf1repro)"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="record every graph's training (feeds, initial values, variables and the loss after "
        "every step) as record_N.json, the ground truth a TF2 port is compared with",
    )
    parser.add_argument(
        "--record-steps",
        type=options.number,
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


# -- validation ------------------------------------------------------------------------------


def _seed(args: argparse.Namespace) -> int | None:
    return None if args.seed is None else validate_seed(args.seed)


def _positive(name: str, value: object, allowed: str = "a number of seconds > 0") -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ParameterError(name, value, allowed)
    return float(value)


def _jobs(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError("jobs", value, "an int in the range [1, inf)")
    return value


def _rtol(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ParameterError("rtol", value, "a finite number >= 0")
    return float(value)


def _runs_folder(text: str, folder: Path, scripts: list[Path], releases: list[str]) -> Path:
    """The ``--out`` of ``check`` and ``matrix``, checked before any script runs: every run
    folder that will be published into it (``OUT/<script>/``, or ``OUT/tf-<release>/<script>/``
    for each of ``releases``) must be one that ``legacy run`` could write. It may hold earlier
    runs (``--collect`` reads them back)."""
    from tf1repro.legacy.folder import run_folder_name
    from tf1repro.legacy.runner import check_run_folder

    out = Path(text)
    for release in releases or [""]:
        base = out / release if release else out
        for script in scripts:
            check_run_folder(base / run_folder_name(script, folder))
    return out


def _shard(args: argparse.Namespace, out: Path) -> tuple[Any, Path | None]:
    """The ``--shard`` (None: every script; ``--result`` alone makes it 1/1) and the result
    file to write (None: none), checked before any script runs."""
    from tf1repro.files import check_output_file
    from tf1repro.legacy.shards import Shard, parse_shard

    if args.shard is None:
        shard = None if args.result is None else Shard(1, 1)
    else:
        try:
            shard = parse_shard(args.shard)
        except ValueError as error:
            raise UsageError(str(error)) from None
    if shard is None:
        return None, None
    default = str(out / f"shard-{shard.index}-of-{shard.count}.json")
    result = args.result if args.result is not None else default
    check_output_file(result, option="--result")
    return shard, Path(result)


def _write_result(result: Any, path: Path, ran: int, total: int) -> None:
    from tf1repro.files import write_file

    write_file(path, result.to_json(), option="--result")
    print(
        f"tf1repro legacy: shard {result.shard} ({ran} of {total} scripts) written to {path}",
        file=sys.stderr,
    )


def _check_logs(out: Path) -> Any:
    from tf1repro.legacy.shards import stdout_of

    return lambda label, name: stdout_of(out / Path(name).with_suffix(""))


def interpreter(value: str | None, option: str = "--python") -> str | None:
    """A ``--python`` value checked: an executable file (a bare name is looked up on PATH)."""
    if value is None:
        return None
    if not value:
        raise UsageError(f"{option} must be the path of a Python interpreter; got ''")
    if os.sep not in value:
        found = shutil.which(value)
        if found:
            return found
    path = Path(value)
    if not path.exists():
        raise UsageError(f"{option} {value!r} does not exist")
    if path.is_dir():
        raise UsageError(f"{option} {value!r} is a folder, not a Python interpreter")
    if not os.access(path, os.X_OK):
        raise UsageError(f"{option} {value!r} is not executable")
    return str(path)


def _recording(args: argparse.Namespace) -> Any:
    from tf1repro.recording.reader import Recording

    steps = args.record_steps
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise ParameterError("record_steps", steps, "an int in the range [1, inf)")
    if not args.record and steps is None:
        return None
    return Recording(steps=steps)


def _layer(args: argparse.Namespace) -> Any:
    from tf1repro.legacy.runner import Layer

    data_dir = None
    if args.data_dir is not None:
        data_dir = Path(args.data_dir)
        if not args.data_dir or not data_dir.is_dir():  # '' would be the current folder
            raise UsageError(f"--data-dir {args.data_dir!r} is not a folder")
    stdin = None
    if args.stdin is not None:
        try:
            stdin = read_bytes(args.stdin)
        except InputError as error:
            raise UsageError(f"--stdin {args.stdin!r} {error.problem}") from None
    return Layer(
        strict=args.strict, data_dir=data_dir, soft_placement=args.soft_placement, stdin=stdin
    )


def _scripts(args: argparse.Namespace) -> tuple[Path, list[Path]]:
    from tf1repro.legacy.folder import scripts_in

    folder = Path(args.dir)
    if not folder.is_dir():
        raise UsageError(f"DIR {args.dir!r} is not a folder")
    scripts = scripts_in(folder, recursive=args.recursive)
    if not scripts:
        where = " or its subfolders" if args.recursive else ""
        raise UsageError(f"DIR {args.dir!r}{where} holds no *.py scripts")
    return folder, scripts


# -- signals ---------------------------------------------------------------------------------


def _stoppable(work: Callable[[], T], out: Path) -> T | int:
    """Do ``work``; on Ctrl-C, SIGTERM or SIGHUP (see ``tf1repro.signals``) stop every script
    (and what it started), leave no partial run folder (nor ``out`` itself, if it was made for
    this and holds no finished run), and return the exit status 128 + N after one line on
    stderr."""
    from tf1repro import signals
    from tf1repro.legacy import runner

    created = not out.exists()
    try:
        return work()
    except KeyboardInterrupt as stop:
        runner.cancel_all()
        runner.reset_cancellation()
        if created:
            _remove_empty_folders(out)
        code = signals.exit_code(stop)
        print(
            f"tf1repro legacy: stopped by {signal.Signals(code - 128).name}; the running scripts "
            "were killed and their runs not written",
            file=sys.stderr,
        )
        return code


def _remove_empty_folders(top: Path) -> None:
    for folder in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()
    with contextlib.suppress(OSError):
        top.rmdir()


# -- handlers --------------------------------------------------------------------------------


def handle_run(args: argparse.Namespace) -> int:
    from tf1repro.legacy import run_script

    script_args = _split_script_args(args)
    script = Path(args.script)
    if not script.is_file():
        raise UsageError(f"SCRIPT {args.script!r} is not a file")
    seed = _seed(args)
    timeout = _positive("timeout", args.timeout)
    python = interpreter(args.python)
    layer = _layer(args)
    record = _recording(args)
    from tf1repro.legacy.runner import check_run_folder

    text = args.out if args.out is not None else os.path.join("legacy-runs", script.stem)
    check_run_folder(text)
    out = Path(text)

    result = _stoppable(
        lambda: run_script(
            script,
            out,
            seed=seed,
            timeout=timeout,
            args=script_args,
            python=python,
            layer=layer,
            record=record,
        ),
        out,
    )
    if isinstance(result, int):
        return result
    run = result
    from tf1repro.files import read_bytes

    # The script's own output, echoed as it was (undecodable bytes and all).
    sys.stdout.flush()
    sys.stdout.buffer.write(read_bytes(out / "stdout.txt"))
    sys.stdout.buffer.flush()
    extras = [f"{len(run.figures)} figure(s)"] if run.figures else []
    if run.files:
        extras.append(f"{len(run.files)} file(s) written")
    if run.served:
        extras.append(f"{len(run.served)} stand-in(s) used")
    if record is not None:
        extras.append(f"{len(run.records)} graph(s) recorded")
    extra = "".join(f", {text}" for text in extras)
    if run.status == "ok":
        print(
            f"tf1repro legacy: {script.name} ran in {run.seconds:.1f} s{extra}; record in {out}/",
            file=sys.stderr,
        )
        if record is not None:
            from tf1repro.recording.reader import summary

            print("\n".join(summary(out, run.records)), file=sys.stderr)
        return 0
    kind = "" if run.kind == run.status else f" ({run.kind})"
    print(
        f"tf1repro legacy: {script.name} {run.status}{kind}: {run.reason}; record in {out}/",
        file=sys.stderr,
    )
    return EXIT_DIFFERENT


def handle_check(args: argparse.Namespace) -> int:
    from tf1repro.cli.progress import count_bar
    from tf1repro.legacy.folder import check_folder, table
    from tf1repro.legacy.shards import result_of, select

    seed = _seed(args)
    timeout = _positive("timeout", args.timeout)
    jobs = _jobs(args.jobs)
    python = interpreter(args.python)
    layer = _layer(args)
    folder, scripts = _scripts(args)
    if not args.out:
        raise UsageError("--out must name a folder; got ''")
    out = Path(args.out)
    shard, result_path = _shard(args, out)
    label = _release_label(args.release, python) if result_path is not None else ""
    selected = scripts if shard is None else select(scripts, folder, shard)
    _runs_folder(args.out, folder, selected, [])

    def work() -> list[Any]:
        with count_bar("legacy check", "script", enabled=not args.json) as tick:
            return check_folder(
                selected,
                out,
                root=folder,
                seed=seed,
                timeout=timeout,
                jobs=jobs,
                python=python,
                layer=layer,
                fresh=args.fresh,
                progress=tick,
            )

    result = _stoppable(work, out)
    if isinstance(result, int):
        return result
    if result_path is not None:
        record = result_of(
            "check",
            folder,
            scripts,
            shard,
            seed=seed,
            settings=_settings(args, timeout, layer),
            runs={label: result},
            logs=_check_logs(out),
        )
        _write_result(record, result_path, len(selected), len(scripts))
    if args.json:
        print(json.dumps([run.to_dict() for run in result], indent=1))
    else:
        print("\n".join(table(result, root=folder)))
    return 0 if all(run.status == "ok" for run in result) else EXIT_DIFFERENT


def _settings(args: argparse.Namespace, timeout: float, layer: Any) -> dict[str, Any]:
    return {
        "timeout": timeout,
        "strict": bool(args.strict),
        "soft_placement": bool(args.soft_placement),
        "recursive": bool(args.recursive),
        # Which answers the scripts were fed: a digest, so that shards fed other ones differ.
        "stdin": None if layer.stdin is None else hashlib.sha256(layer.stdin).hexdigest(),
    }


def _release_label(release: str | None, python: str | None) -> str:
    """``--release`` checked, else the TensorFlow version of the interpreter (``none``)."""
    from tf1repro.legacy import releases
    from tf1repro.legacy.runner import interpreter_versions

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


def handle_matrix(args: argparse.Namespace) -> int:
    from tf1repro.cli.progress import count_bar
    from tf1repro.legacy import releases, shards

    seed = _seed(args)
    timeout = _positive("timeout", args.timeout)
    jobs = _jobs(args.jobs)
    rtol = _rtol(args.rtol)
    layer = _layer(args)
    folder, scripts = _scripts(args)
    if not args.out:
        raise UsageError("--out must name a folder; got ''")
    out = Path(args.out)
    shard, result_path = _shard(args, out)
    selected = scripts if shard is None else shards.select(scripts, folder, shard)
    if args.collect:
        if args.python:
            raise UsageError("--collect runs nothing: leave out --python")
        runs = releases.collect(out, selected, folder)
        if not runs:
            raise UsageError(f"--out {args.out!r} holds no tf-RELEASE/ run folders to collect")
    else:
        interpreters = _releases(args.python)
        labels = [f"{releases.RELEASE_PREFIX}{release.label}" for release in interpreters]
        _runs_folder(args.out, folder, selected, labels)

        def work() -> dict[str, list[Any]]:
            with count_bar("legacy matrix", "run") as tick:
                return releases.run_matrix(
                    selected,
                    out,
                    interpreters,
                    root=folder,
                    seed=seed,
                    timeout=timeout,
                    jobs=jobs,
                    layer=layer,
                    fresh=args.fresh,
                    progress=tick,
                )

        result = _stoppable(work, out)
        if isinstance(result, int):
            return result
        runs = result
    labels = list(runs)
    reference = args.reference or labels[0]
    if reference not in runs:
        raise UsageError(f"--reference {reference!r} is not one of the releases: {labels}")
    logs = releases.folder_logs(out)
    if result_path is not None:
        record = shards.result_of(
            "matrix",
            folder,
            scripts,
            shard,
            seed=seed,
            settings=_settings(args, timeout, layer),
            runs=runs,
            logs=logs,
            reference=reference,
            rtol=rtol,
        )
        _write_result(record, result_path, len(selected), len(scripts))
    compared = releases.compare(releases.by_name(runs, folder), reference, logs, rtol)
    print("\n".join(releases.render(compared, labels, reference, logs, rtol)))
    return EXIT_DIFFERENT if releases.regressed(compared) else 0


def handle_merge(args: argparse.Namespace) -> int:
    from tf1repro import files
    from tf1repro.legacy import releases, shards
    from tf1repro.legacy.folder import table

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
        runs = [entry.run for entry in entries]
        if args.json:
            text = json.dumps([run.to_dict() for run in runs], indent=1)
        else:
            text = "\n".join(table(runs, names=[entry.name for entry in entries]))
        code = 0 if all(run.status == "ok" for run in runs) else EXIT_DIFFERENT
    else:
        if args.json:
            raise UsageError(
                f"--json is for the results of `legacy check` on one release; these hold "
                f"{len(labels)} releases: {', '.join(labels)}"
            )
        reference = args.reference or merged.reference or labels[0]
        if reference not in labels:
            raise UsageError(f"--reference {reference!r} is not one of the releases: {labels}")
        rtol = merged.rtol if args.rtol is None else _rtol(args.rtol)
        logs = merged.logs()
        by_name = {label: {e.name: e.run for e in merged.runs[label]} for label in labels}
        compared = releases.compare(by_name, reference, logs, rtol)
        text = "\n".join(releases.render(compared, labels, reference, logs, rtol))
        code = EXIT_DIFFERENT if releases.regressed(compared) else 0
    print(text)
    if args.out is not None:
        files.write_file(
            args.out, shards.markdown(merged, text, len(paths)).encode(), option="--out"
        )
    return code


def _releases(values: list[str]) -> list[Any]:
    """The --python interpreters of ``legacy matrix``, checked, labelled, at least two."""
    from tf1repro.legacy.releases import LABEL, release_of

    if len(values) < 2:
        raise UsageError(
            "--python must be given at least twice (one interpreter per release); "
            f"got {len(values)}"
        )
    releases = []
    for value in values:
        label, equals, path = value.partition("=")
        if not equals:
            label, path = "", value
        checked = interpreter(path)
        assert checked is not None
        if label and not LABEL.match(label):
            raise UsageError(f"--python release {label!r} must be letters, digits, '.', '_' or '-'")
        try:
            release = release_of(f"{label}={checked}")
        except (OSError, ValueError) as error:
            raise UsageError(f"--python {path!r} cannot be used: {error}") from None
        releases.append(release)
    labels = [release.label for release in releases]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise UsageError(
            f"--python gives release {duplicates[0]} twice; label them (RELEASE=PYTHON)"
        )
    return releases


def handle_diff(args: argparse.Namespace) -> int:
    from tf1repro.legacy.logdiff import diff_logs

    rtol = _rtol(args.rtol)
    logs = [_log_lines(name, text) for name, text in (("RUN_A", args.run_a), ("RUN_B", args.run_b))]

    result = diff_logs(*logs)
    if result.text_mismatch is not None:
        print(f"different: {result.text_mismatch}")
        return EXIT_DIFFERENT
    summary = f"{result.lines} lines, {result.numbers} numbers"
    if result.worst is None:
        print(f"identical: {summary}; largest relative difference 0")
        return 0
    worst = result.worst
    verdict = "identical within --rtol" if result.identical_within(rtol) else "different"
    print(
        f"{verdict}: {summary}; largest relative difference {worst.relative:.3g} "
        f"at line {worst.line} ({worst.a} vs {worst.b}), --rtol {rtol:g}"
    )
    return 0 if result.identical_within(rtol) else EXIT_DIFFERENT


#: The largest log ``diff`` reads: far beyond any tutorial's output, far below the memory.
LOG_LIMIT = 64 * 1024 * 1024


def _log_lines(name: str, text: str) -> list[str]:
    from tf1repro.files import InputError, read_bytes

    path = Path(text)
    if path.is_dir():
        path = path / "stdout.txt"
    try:
        data = read_bytes(path, limit=LOG_LIMIT)
    except InputError as error:
        raise UsageError(f"{name} {str(path)!r}: {error.problem}") from None
    # A script's output is not ours to be strict about: undecodable bytes become U+FFFD.
    return data.decode("utf-8", errors="replace").splitlines()
