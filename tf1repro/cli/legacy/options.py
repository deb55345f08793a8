"""The options several legacy subcommands share, declared once, and the checked values they
become: one ``RunSettings`` for the run options, an interpreter for ``--python``, the releases
of ``--tensorflow`` and their environments, ``--rtol``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tf1repro.cli import UsageError, options
from tf1repro.config import Float
from tf1repro.files import InputError, read_bytes
from tf1repro.legacy.settings import DEFAULT_TIMEOUT, RunSettings, check_number

if TYPE_CHECKING:
    from tf1repro.legacy.environments import Environment, Release

#: The exit status when a script did not run to the end, or logs or releases differ.
EXIT_DIFFERENT = 1
RTOL = Float(low=0.0)


def add_run(parser: argparse.ArgumentParser, seed: int | None = None) -> None:
    """How each script runs: ``--seed`` (default ``seed``; None: unseeded), ``--timeout``, the
    compatibility layer (``--strict``, ``--data-dir``, ``--soft-placement``), the pinned data
    cache (``--data-cache``, ``--fetch``) and ``--stdin``."""
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
        "--data-cache",
        metavar="DIR",
        help="serve every download the scripts make from DIR's pinned files (its lock file "
        "tf1repro-data.lock.json: URL -> SHA-256, size); a URL not in it fails the script",
    )
    parser.add_argument(
        "--fetch",
        action="store_true",
        help="with --data-cache: download what DIR lacks and pin it in the lock file",
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
        data_cache=_data_cache(args.data_cache, args.fetch),
        fetch=args.fetch,
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


def _data_cache(text: str | None, fetch: bool) -> Path | None:
    """``--data-cache`` checked with its lock file (and ``--fetch``), before any run."""
    from tf1repro.legacy.data_cache import open_cache

    if text is None:
        if fetch:
            raise UsageError("--fetch needs --data-cache DIR, the folder to fill")
        return None
    return open_cache(text, fetch).folder


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


def interpreter(
    value: str | None, option: str = "--python", besides: list[Release] | None = None
) -> str | None:
    """A ``--python`` value checked: an executable file (a bare name is looked up on PATH).

    ``besides``: the ``--tensorflow`` releases, which choose the interpreter themselves.
    """
    if value is None:
        return None
    if besides:
        raise UsageError(f"{option} and --tensorflow both choose the interpreter; give one of them")
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


def add_tensorflow(parser: argparse.ArgumentParser, *, several: bool) -> None:
    """``--tensorflow`` (one release, or with ``several`` a comma list) and ``--env-cache``."""
    parser.add_argument(
        "--tensorflow",
        metavar="RELEASE[,RELEASE...]" if several else "RELEASE",
        help=(
            "run on these TensorFlow releases (e.g. 2.15,2.21), each in a virtualenv that uv "
            "makes the first time and --env-cache keeps"
            if several
            else "run on this TensorFlow release (e.g. 2.15), in a virtualenv that uv makes the "
            "first time and --env-cache keeps (instead of --python)"
        ),
    )
    parser.add_argument(
        "--env-cache",
        metavar="DIR",
        help="where --tensorflow keeps its virtualenvs (default: $TF1REPRO_ENV_CACHE, else "
        "$XDG_CACHE_HOME/tf1repro/envs, else ~/.cache/tf1repro/envs)",
    )


def tensorflow_releases(args: argparse.Namespace, *, several: bool = False) -> list[Release]:
    """``--tensorflow`` checked without the network (empty when not given), and
    ``--env-cache``, which only ``--tensorflow`` uses."""
    from tf1repro.legacy.environments import ReleaseError, parse_releases

    cache = args.env_cache
    if cache is not None:
        if args.tensorflow is None:
            raise UsageError(f"--env-cache {cache!r} is only used with --tensorflow")
        # '' would be the current folder; an existing file cannot hold environments.
        if not cache or (os.path.lexists(cache) and not Path(cache).is_dir()):
            raise UsageError(f"--env-cache {cache!r} is not a folder")
    if args.tensorflow is None:
        return []
    try:
        releases = parse_releases(args.tensorflow)
    except ReleaseError as error:
        raise UsageError(f"--tensorflow {error}") from None
    if len(releases) > 1 and not several:
        raise UsageError(
            f"--tensorflow takes one release here; got {args.tensorflow!r} (for several, "
            "use `tf1repro legacy matrix`)"
        )
    return releases


def environments(args: argparse.Namespace, releases: list[Release]) -> list[Environment]:
    """The environment of each release (made the first time; see ``legacy.environments``),
    in ``--env-cache``; one that cannot be made is one line naming ``--tensorflow``."""
    from tf1repro.cli.progress import on_terminal
    from tf1repro.legacy.environments import ReleaseError, cache_dir, environment

    def notify(line: str) -> None:
        print(f"tf1repro legacy: {line}", file=sys.stderr, flush=True)

    cache = cache_dir(args.env_cache)
    # What takes a minute is said on a terminal, as progress bars are; never in a log.
    told = notify if on_terminal() else None
    try:
        return [environment(release, cache, notify=told) for release in releases]
    except ReleaseError as error:
        raise UsageError(f"--tensorflow {error}") from None
