"""Shards: a folder of legacy scripts cut into slices, one per machine, and their merge.

Shard ``I/N`` holds the scripts at positions ``I-1, I-1+N, I-1+2N, ...`` of the folder's
scripts sorted by their path below the folder, compared folder by folder (the order in which
``legacy check`` runs and lists them). Every machine computes the same slices from the folder
alone, without talking to the others. Round robin rather than contiguous blocks: neighbouring
scripts are often parts of one tutorial with a similar cost, and round robin spreads them over
the shards, whose sizes differ by at most one.

A shard's run writes one result file (strict JSON): the folder (its name, every script in it
and a digest of their contents), the shard, the seed and settings, and per release every run
record of the shard with what the script printed. ``merge`` checks that a set of result files
is the whole folder exactly once (per release) and gives back the runs a single machine would
have made, from which the same tables are printed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from tf1repro import files
from tf1repro.config import Float
from tf1repro.legacy.folder import name_of
from tf1repro.legacy.releases import Logs
from tf1repro.legacy.script_run import STDOUT_FILE, ScriptRun
from tf1repro.legacy.settings import RunSettings

FORMAT = "tf1repro.legacy-shard/1"
COMMANDS = ("check", "matrix")
#: The settings every shard of one set must share: they change what a script does or prints.
SETTINGS = ("timeout", "strict", "soft_placement", "recursive", "stdin")
#: The largest stdout a result file keeps of one run, from its end (the numbers compared).
STDOUT_LIMIT = 16 * 1024 * 1024
_SHARD = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")


class MergeError(ValueError):
    """A set of result files that is not one folder's whole run: one line naming the files."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 1) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, names: Iterable[str]) -> list[str]:
        """The names (paths below the folder, ``/``-separated) that belong to this shard."""
        return in_order(names)[self.index - 1 :: self.count]


def parse_shard(text: str) -> Shard:
    """``I/N`` with ``1 <= I <= N``; ``ValueError`` with the one-line reason otherwise."""
    match = _SHARD.fullmatch(text)
    if match is None or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"--shard must be I/N with 1 <= I <= N (e.g. 2/4); got {text!r}")
    return Shard(int(match[1]), int(match[2]))


def in_order(names: Iterable[str]) -> list[str]:
    """Names sorted as ``scripts_in`` sorts their paths: folder by folder."""
    return sorted(names, key=PurePosixPath)


def relative_names(scripts: Sequence[Path], root: Path) -> list[str]:
    """Each script's path below ``root``, ``/``-separated: its name in tables and shards."""
    return [script.relative_to(root).as_posix() for script in scripts]


def select(scripts: Sequence[Path], root: Path, shard: Shard) -> list[Path]:
    """The scripts of ``shard``, in the order a whole run takes them."""
    by_name = dict(zip(relative_names(scripts, root), scripts, strict=True))
    return [by_name[name] for name in shard.select(by_name)]


def digest(scripts: Sequence[Path], root: Path) -> str:
    """SHA-256 of every script's name and bytes: equal on two machines with the same folder."""
    hashed = hashlib.sha256()
    for name, script in sorted(zip(relative_names(scripts, root), scripts, strict=True)):
        content = files.read_bytes(script)
        hashed.update(f"{name}\0{len(content)}\0".encode())
        hashed.update(content)
    return hashed.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One script's run on one release, with what it printed."""

    name: str
    run: ScriptRun
    stdout: str


@dataclass(frozen=True)
class ShardResult:
    """What one shard's run wrote: see the module docstring."""

    command: str
    folder: str
    scripts: tuple[str, ...]
    digest: str
    shard: Shard
    seed: int | None
    settings: dict[str, Any]
    releases: tuple[str, ...]
    """Release labels, in the order they were run (one for ``check``)."""
    reference: str | None
    """The reference release of ``matrix`` (None for ``check``)."""
    rtol: float
    runs: dict[str, list[Entry]]
    """Per release label, the shard's runs in the order a whole run takes them."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "command": self.command,
            "folder": self.folder,
            "scripts": list(self.scripts),
            "digest": self.digest,
            "shard": {"index": self.shard.index, "count": self.shard.count},
            "seed": self.seed,
            "settings": self.settings,
            "releases": list(self.releases),
            "reference": self.reference,
            "rtol": self.rtol,
            "runs": {
                label: [
                    {"name": e.name, "record": e.run.to_dict(), "stdout": e.stdout} for e in entries
                ]
                for label, entries in self.runs.items()
            },
        }

    def to_json(self) -> bytes:
        return files.dumps_json(self.to_dict()).encode()

    @classmethod
    def load(cls, path: Path) -> ShardResult:
        """Read and validate a result file; ``files.InputError`` names the file and field."""
        fields = files.Fields(files.read_json(path), path)
        fields.only(
            "format", "command", "folder", "scripts", "digest", "shard", "seed", "settings",
            "releases", "reference", "rtol", "runs",
        )  # fmt: skip
        fields.string("format", choices=[FORMAT])
        shard_fields = fields.obj("shard")
        count = shard_fields.integer("count", low=1)
        shard = Shard(shard_fields.integer("index", low=1, high=count), count)
        scripts = [_string(fields, "scripts", item) for item in fields.array("scripts")]
        seed = None if fields.data.get("seed") is None else fields.integer("seed", low=0)
        settings = fields.obj("settings")
        settings.only(*SETTINGS)
        releases = [_string(fields, "releases", item) for item in fields.array("releases")]
        if not releases or len(set(releases)) != len(releases):
            raise fields.error("releases", "must be distinct release labels, at least one")
        reference = None if fields.data.get("reference") is None else fields.string("reference")
        runs_fields = fields.obj("runs")
        runs_fields.only(*releases)
        wanted = shard.select(scripts)
        runs: dict[str, list[Entry]] = {}
        for label in releases:
            entries = [_entry(item) for item in runs_fields.objs(label)]
            if [entry.name for entry in entries] != wanted:
                raise runs_fields.error(label, f"does not hold the runs of shard {shard}")
            runs[label] = entries
        return cls(
            command=fields.string("command", choices=COMMANDS),
            folder=fields.string("folder"),
            scripts=tuple(scripts),
            digest=fields.string("digest"),
            shard=shard,
            seed=seed,
            settings={name: settings.data.get(name) for name in SETTINGS},
            releases=tuple(releases),
            reference=reference,
            rtol=float(fields.check("rtol", Float(low=0.0))),
            runs=runs,
        )


def _string(fields: files.Fields, name: str, value: object) -> str:
    if not isinstance(value, str):
        raise fields.error(name, "must be a list of strings")
    return value


def _entry(fields: files.Fields) -> Entry:
    fields.only("name", "record", "stdout")
    record = fields.obj("record")
    try:
        run = ScriptRun.from_dict(record.data)
    except TypeError as error:
        raise fields.error("record", f"is not a run record: {error}") from None
    return Entry(fields.string("name"), run, fields.string("stdout"))


def result_of(
    command: str,
    folder: Path,
    scripts: Sequence[Path],
    shard: Shard,
    settings: RunSettings,
    *,
    recursive: bool,
    runs: Mapping[str, Sequence[ScriptRun]],
    logs: Logs,
    reference: str | None = None,
    rtol: float = 0.0,
) -> ShardResult:
    """The result of one shard's runs (``runs``: per release, what it ran, in order, with
    ``settings``) of the folder ``folder`` whose scripts are ``scripts`` (all of them, not the
    shard's; with ``recursive``, its subfolders' too)."""
    return ShardResult(
        command=command,
        folder=folder.resolve().name,
        scripts=tuple(in_order(relative_names(scripts, folder))),
        digest=digest(scripts, folder),
        shard=shard,
        seed=settings.seed,
        settings=_shared(settings, recursive),
        releases=tuple(runs),
        reference=reference,
        rtol=rtol,
        runs={
            label: [_entry_of(run, label, folder, logs) for run in release_runs]
            for label, release_runs in runs.items()
        },
    )


def _shared(settings: RunSettings, recursive: bool) -> dict[str, Any]:
    """The ``SETTINGS`` of a result file: what every shard of one set must share."""
    return {
        "timeout": settings.timeout,
        "strict": settings.strict,
        "soft_placement": settings.soft_placement,
        "recursive": recursive,
        # Which answers the scripts were fed: a digest, so that shards fed other ones differ.
        "stdin": None if settings.stdin is None else hashlib.sha256(settings.stdin).hexdigest(),
    }


def _entry_of(run: ScriptRun, label: str, folder: Path, logs: Logs) -> Entry:
    name = name_of(run, folder)
    return Entry(name, run, "\n".join(logs(label, name)))


def stdout_of(run_folder: Path) -> list[str]:
    """What a run printed, as lines (undecodable bytes as U+FFFD: it is the script's output)."""
    try:
        data = files.read_bytes(run_folder / STDOUT_FILE, limit=STDOUT_LIMIT)
    except files.InputError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def result_files(paths: Iterable[Path]) -> list[Path]:
    """The files given, and the ``*.json`` in each folder given (sorted)."""
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return found


@dataclass(frozen=True)
class Merged:
    """A whole folder's runs put back together from its shards."""

    command: str
    """``check`` (several releases of check results tabulate as a matrix) or ``matrix``."""
    folder: str
    scripts: int
    seed: int | None
    releases: list[str]
    runs: dict[str, list[Entry]]
    """Per release, every script's run in the order a whole run takes them."""
    reference: str | None
    rtol: float

    def logs(self) -> Logs:
        printed = {
            (label, entry.name): entry.stdout.splitlines()
            for label, entries in self.runs.items()
            for entry in entries
        }
        return lambda label, name: printed.get((label, name), [])


def merge(results: Sequence[tuple[Path, ShardResult]]) -> Merged:
    """Put shards back together; ``MergeError`` for a set that is not one whole run.

    The files must come from the same command on the same folder (same scripts, same bytes)
    with the same seed, settings and number of shards (and, for ``matrix``, the same
    releases); each release (``check``: the release each file ran on) must have every shard
    exactly once.
    """
    if not results:
        raise MergeError("RESULTS holds no result files")
    first_path, first = results[0]
    for path, result in results[1:]:
        for what, mine, theirs in (
            ("commands", first.command, result.command),
            ("folders", _folder(first), _folder(result)),
            ("seeds", first.seed, result.seed),
            ("numbers of shards", f"N={first.shard.count}", f"N={result.shard.count}"),
            ("settings", _settings(first), _settings(result)),
        ):
            if mine != theirs:
                raise MergeError(
                    f"RESULTS {first_path} and {path} are from different {what} "
                    f"({mine} vs {theirs})"
                )
        if first.command == "matrix" and result.releases != first.releases:
            raise MergeError(
                f"RESULTS {first_path} and {path} ran on different releases "
                f"({', '.join(first.releases)} vs {', '.join(result.releases)})"
            )
    # check: one set of shards per release; matrix: one set holding every release.
    groups: dict[tuple[str, ...], dict[int, list[Path]]] = {}
    for path, result in results:
        groups.setdefault(result.releases, {}).setdefault(result.shard.index, []).append(path)
    count = first.shard.count
    for group, shards in sorted(groups.items()):
        of = f" of release {', '.join(group)}" if first.command == "check" else ""
        for index, paths in sorted(shards.items()):
            if len(paths) > 1:
                names = ", ".join(str(path) for path in paths)
                raise MergeError(f"RESULTS give shard {index}/{count}{of} twice: {names}")
        missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in shards]
        if missing:
            found = ", ".join(f"{index}/{count}" for index in sorted(shards))
            raise MergeError(f"RESULTS lack shard(s) {', '.join(missing)}{of} (given: {found})")
    if first.command == "matrix":
        releases = list(first.releases)
    else:
        # As ``legacy matrix --collect`` orders the tf-<release> folders.
        releases = sorted(label for group in groups for label in group)
    runs: dict[str, list[Entry]] = {}
    for label in releases:
        entries = [e for _, result in results for e in result.runs.get(label, [])]
        runs[label] = sorted(entries, key=lambda entry: PurePosixPath(entry.name))
    return Merged(
        first.command,
        first.folder,
        len(first.scripts),
        first.seed,
        releases,
        runs,
        first.reference,
        first.rtol,
    )


def markdown(merged: Merged, table: str, files: int) -> str:
    """A Markdown page holding the merged ``table`` (as printed), for docs or a CI summary."""
    releases = ", ".join(merged.releases)
    seed = "unseeded" if merged.seed is None else f"seed {merged.seed}"
    title = (
        f"Legacy scripts on TensorFlow {releases}"
        if len(merged.releases) == 1
        else "Legacy scripts across TensorFlow releases"
    )
    return (
        f"# {title}\n\n"
        f"The {merged.scripts} scripts of `{merged.folder}` ({seed}) on {releases}, merged by "
        f"`tf1repro legacy merge` from {files} shard result file(s).\n\n"
        f"```text\n{table}\n```\n"
    )


def _folder(result: ShardResult) -> str:
    return f"{result.folder}: {len(result.scripts)} scripts, digest {result.digest[:12]}"


def _settings(result: ShardResult) -> str:
    return ", ".join(f"{name} {result.settings[name]}" for name in SETTINGS)
