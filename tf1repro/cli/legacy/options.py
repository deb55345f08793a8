"""The options several legacy subcommands share, declared once, and the checked values they
become: one ``RunSettings`` for the run options, an interpreter for ``--python``, ``--rtol``."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import Any

from tf1repro.cli import UsageError, options
from tf1repro.config import Float
from tf1repro.files import InputError, read_bytes
from tf1repro.legacy.settings import DEFAULT_TIMEOUT, RunSettings, check_number

#: The exit status when a script did not run to the end, or logs or releases differ.
EXIT_DIFFERENT = 1
RTOL = Float(low=0.0)


def add_run(parser: argparse.ArgumentParser, seed: int | None = None) -> None:
    """How each script runs: ``--seed`` (default ``seed``; None: unseeded), ``--timeout``, the
    compatibility layer (``--strict``, ``--data-dir``, ``--soft-placement``) and ``--stdin``."""
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
        "--soft-placement",
        action="store_true",
        help="place ops pinned to a missing device (e.g. /gpu:0) on one that exists",
    )
    add_inputs(parser)


def add_inputs(parser: argparse.ArgumentParser) -> None:
    """What a script reads besides its folder: ``--data-dir`` and ``--stdin``."""
    parser.add_argument(
        "--data-dir",
        help="folder holding the four MNIST files, looked in after the script's own train_dir",
    )
    parser.add_argument(
        "--stdin",
        metavar="FILE",
        help="what each script reads on its standard input, for input() (default: nothing)",
    )


def add_folder(parser: argparse.ArgumentParser, out: str) -> None:
    """DIR and how its scripts run: ``--out`` (default ``./out``), ``--jobs``, ``--recursive``."""
    parser.add_argument("dir", help="folder of TF1 scripts")
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


def add_fresh(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start every script in a fresh interpreter (default: fork it from one that has "
        "imported TensorFlow, where the results cannot differ)",
    )


def add_shard(parser: argparse.ArgumentParser) -> None:
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


def settings(args: argparse.Namespace, **fields: Any) -> RunSettings:
    """The options of ``add_run`` (and ``fields``: the settings only some subcommands have,
    e.g. ``jobs``) as one ``RunSettings``, checked before any work."""
    return RunSettings(
        seed=args.seed,
        timeout=args.timeout,
        strict=args.strict,
        soft_placement=args.soft_placement,
        **inputs(args),
        **fields,
    )


def inputs(args: argparse.Namespace) -> dict[str, Any]:
    """The options of ``add_inputs`` checked, as the ``RunSettings`` fields they set."""
    return {"data_dir": _data_dir(args.data_dir), "stdin": _stdin(args.stdin)}


def _data_dir(text: str | None) -> Path | None:
    if text is None:
        return None
    if not text or not Path(text).is_dir():  # '' would be the current folder
        raise UsageError(f"--data-dir {text!r} is not a folder")
    return Path(text)


def _stdin(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return read_bytes(text)
    except InputError as error:
        raise UsageError(f"--stdin {text!r} {error.problem}") from None


def rtol(value: object) -> float:
    """A ``--rtol`` checked: a relative difference, 0 or more."""
    return check_number("rtol", value, RTOL, "a finite number >= 0")


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
