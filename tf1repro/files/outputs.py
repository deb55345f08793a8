"""Checking output paths before any work: one file (``check_output_file``) or a folder that
``publish`` will write a set of files into (``check_output_folder``).

An existing target that is a symbolic link or not a regular file (device, FIFO, socket, folder)
is refused, never replaced; so is a folder holding something ``publish`` could not carry over.
Each refusal is one ``OutputError`` naming the option. The checks create nothing; they remove
the leftovers of dead tf1repro writers they find (``leftovers.sweep``).

A published folder holds a manifest, ``.tf1repro-set.json``, naming the files of the set
tf1repro wrote there; the other files in it are the user's, and are kept.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import tf1repro.files.leftovers as leftovers
from tf1repro.files.reading import InputError, kind_of, read_json, reason, show
from tf1repro.files.schema import Fields

#: The longest file name (in bytes) on the file systems tf1repro writes to (ext4, xfs, tmpfs,
#: APFS); checked before any work rather than discovered by a failing write after it.
NAME_MAX = 255

#: The file in a published folder that names the files of the set tf1repro wrote there.
MANIFEST = ".tf1repro-set.json"
MANIFEST_FORMAT = "tf1repro.set/1"


class OutputError(ValueError):
    """An output cannot be written: ``OPTION 'PATH' PROBLEM``, one line."""

    def __init__(self, option: str, path: str | os.PathLike[str], problem: str):
        self.option = option
        self.path = path
        self.problem = problem
        super().__init__(f"{option} {os.fsdecode(path)!r} {problem}")


def check_output_file(
    path: str | os.PathLike[str], *, option: str, expected_bytes: int = 0
) -> Path:
    """Check, before any work, that ``path`` can be written as one file; return it absolute.

    Refused with an ``OutputError`` naming ``option``: an empty path; a name over 255 bytes; an
    existing target that is a symbolic link (dangling or looping ones too), not a regular file,
    or write-protected; a parent that cannot be created (a file or a dangling link in the way, a
    link loop); a folder we cannot create files in; less free space than ``expected_bytes``.
    Creates nothing (but removes stale leftovers of tf1repro's own naming in the folder).
    """
    target = _as_path(path, option)
    _check_names(target, option, path)
    if os.path.basename(os.fspath(path)) in ("", ".", ".."):
        raise OutputError(option, path, "is a folder; name a file")
    ancestor = _existing_ancestor(target.parent, option, path)
    check_target_file(target, option, path)
    _probe_writable(ancestor, option, path)
    _check_space(ancestor, expected_bytes, option, path)
    return target


def check_output_folder(
    path: str | os.PathLike[str],
    *,
    option: str,
    names: Iterable[str] = (),
    expected_bytes: int = 0,
) -> Path:
    """Check, before any work, that ``publish`` can write the files ``names`` into ``path``.

    ``path`` may exist (a folder, or a symbolic link to one: the real folder is used, and
    returned) or be creatable. Refused with an ``OutputError``: what ``check_output_file``
    refuses for the folder and for every existing target among ``names``; a folder holding
    something ``publish`` could not carry over (a sub-folder or special file that is not part
    of tf1repro's previous set there); the current folder or one holding it (the swap would pull
    it away from under the shell); a mount point. Returns the absolute real folder.
    """
    names = [set_name(name) for name in names]
    for name in names:
        _check_names(Path(name), option, os.path.join(os.fspath(path), name))
    return plan(path, option, names, expected_bytes).target


class Plan(NamedTuple):
    """What the check of a target folder found, for ``publish`` to act on."""

    target: Path
    """The folder, absolute, a symbolic link to it resolved."""
    previous: set[str]
    """The files of tf1repro's previous set in the folder (from its manifest)."""
    exists: bool


def plan(path: str | os.PathLike[str], option: str, names: list[str], expected_bytes: int) -> Plan:
    """Check the folder ``path`` for a set of the files ``names`` (see ``check_output_folder``)."""
    target = _as_path(path, option)
    _check_names(target, option, path)
    if os.path.islink(target):
        try:
            target = Path(os.path.realpath(target, strict=True))
        except OSError as error:
            raise OutputError(
                option, path, f"is a symbolic link that leads nowhere: {reason(error)}"
            ) from None
    if target.parent == target:
        raise OutputError(option, path, "is the root folder")
    leftovers.sweep(target.parent, target.name)
    try:
        info = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        info = None  # missing, or below a file: _existing_ancestor says which
    except OSError as error:
        raise OutputError(option, path, f"cannot be checked: {reason(error)}") from None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise OutputError(option, path, f"is not a folder ({kind_of(info.st_mode)})")
    ancestor = _existing_ancestor(target.parent, option, path)
    _probe_writable(ancestor, option, path)
    _check_space(ancestor, expected_bytes, option, path)
    if info is None:
        return Plan(target, set(), exists=False)
    cwd = Path(os.path.realpath(os.getcwd()))
    real = Path(os.path.realpath(target))
    if cwd == real or real in cwd.parents:
        raise OutputError(
            option, path, "is the current folder or holds it; name a folder of its own"
        )
    parent_info = os.stat(target.parent)
    if parent_info.st_dev != info.st_dev or os.path.ismount(target):
        raise OutputError(option, path, "is a mount point; name a folder inside it")
    leftovers.sweep(target)
    previous = _previous_set(target)
    for name in names:
        check_target_file(target / name, option, os.path.join(os.fspath(path), name))
    _check_foreign(target, previous, set(names), option, path)
    return Plan(target, previous, exists=True)


def set_name(name: str) -> str:
    """A file name of a set: relative, normalised, not ours (programming errors raise)."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or name == MANIFEST
        or any(leftovers.is_temporary(part) for part in parts)
    ):
        raise ValueError(f"not a file name for a published set: {name!r}")
    return name


def _previous_set(folder: Path) -> set[str]:
    """The names in the folder's manifest; none when it has none or it is not ours."""
    try:
        data = read_json(folder / MANIFEST, limit=16 * 1024 * 1024)
        fields = Fields(data, folder / MANIFEST)
        if fields.string("format") != MANIFEST_FORMAT:
            return set()
        files = fields.array("files")
    except InputError:
        return set()  # no manifest (or a broken one): every file there is kept as the user's
    found: set[str] = set()
    for name in files:
        if isinstance(name, str):
            with contextlib.suppress(ValueError):
                found.add(set_name(name))
    return found


def dirs_of(names: Iterable[str]) -> set[str]:
    """Every folder that holds one of ``names`` (``a/b/c`` -> ``a``, ``a/b``)."""
    found: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return found


def walk_foreign(folder: Path, previous: set[str]) -> Iterator[tuple[str, os.stat_result]]:
    """``(relative name, lstat)`` of every entry of ``folder`` that is not part of the previous
    set, descending only into folders that hold files of that set."""
    ours = dirs_of(previous)
    pending = [""]
    while pending:
        relative = pending.pop()
        for entry in sorted(os.listdir(folder / relative) if relative else os.listdir(folder)):
            name = f"{relative}/{entry}" if relative else entry
            if name in previous or name == MANIFEST or leftovers.is_temporary(entry):
                continue
            info = os.lstat(folder / name)
            if stat.S_ISDIR(info.st_mode) and name in ours:
                pending.append(name)
            else:
                yield name, info


def _check_foreign(
    folder: Path, previous: set[str], names: set[str], option: str, path: object
) -> None:
    """Refuse what ``publish`` could not keep: folders and special files of the user's."""
    new_dirs = dirs_of(names)
    for name, info in walk_foreign(folder, previous):
        if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
            if name in new_dirs:
                raise OutputError(option, str(path), f"holds {name!r}, where a folder must go")
            if name in names:
                continue  # replaced by the new file of the same name
            if (
                stat.S_ISREG(info.st_mode)
                and os.geteuid() != 0
                and info.st_uid != os.geteuid()
                and not os.access(folder / name, os.R_OK)
            ):
                raise OutputError(option, str(path), f"holds {name!r}, which tf1repro cannot keep")
            continue
        raise OutputError(
            option,
            str(path),
            f"holds {name!r} ({kind_of(info.st_mode)}), which is not one of tf1repro's outputs; "
            "publish into a folder of its own",
        )


def check_target_file(path: Path, option: str, original: str | os.PathLike[str]) -> None:
    """An existing ``path`` must be a regular, writable file that is not a symbolic link."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(option, original, f"cannot be checked: {reason(error)}") from None
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(option, original, "is a symbolic link; tf1repro does not replace links")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(option, original, f"is not a regular file ({kind_of(info.st_mode)})")
    # A write-protected file is one its owner protected: keep it, even for root.
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise OutputError(option, original, "is write-protected")


def _as_path(path: str | os.PathLike[str], option: str) -> Path:
    if not os.fspath(path):
        raise OutputError(option, path, "is empty; name a file or folder")
    if "\0" in os.fsdecode(path):
        raise OutputError(option, path, "holds a NUL character")
    return Path(os.path.abspath(path))


def _check_names(path: Path, option: str, original: str | os.PathLike[str]) -> None:
    for part in path.parts:
        if part not in ("/", "//") and len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(
                option, original, f"has a name longer than {NAME_MAX} bytes ({show(part)[:40]}...)"
            )


def _existing_ancestor(path: Path, option: str, original: str | os.PathLike[str]) -> Path:
    """The nearest ancestor of ``path`` that exists; it must be a folder (links followed)."""
    probe = path
    while True:
        try:
            info = os.stat(probe)
        except (FileNotFoundError, NotADirectoryError):
            # Missing, or below a file: look further up for what is in the way.
            if probe.parent == probe:
                raise OutputError(
                    option, original, "cannot be created: no folder to hold it"
                ) from None
            # A dangling link in the middle of the path cannot be created through.
            if os.path.islink(probe):
                raise OutputError(
                    option, original, f"cannot be created: {show(probe)} is a dangling link"
                ) from None
            probe = probe.parent
            continue
        except OSError as error:
            raise OutputError(
                option, original, f"cannot be created: {show(probe)}: {reason(error)}"
            ) from None
        if not stat.S_ISDIR(info.st_mode):
            raise OutputError(
                option, original, f"cannot be created: {show(probe)} is a {kind_of(info.st_mode)}"
            )
        return probe


def _probe_writable(folder: Path, option: str, original: str | os.PathLike[str]) -> None:
    """Create and remove a file of our own naming in ``folder``: the only honest test."""
    leftovers.sweep(folder)
    name = leftovers.temporary(folder)
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise OutputError(
            option, original, f"cannot be written: {show(folder)}: {reason(error)}"
        ) from None
    os.close(fd)
    os.unlink(name)


def _check_space(folder: Path, expected_bytes: int, option: str, original: object) -> None:
    if expected_bytes <= 0:
        return
    try:
        info = os.statvfs(folder)
    except OSError:
        return  # no figure to check against; the write itself will tell
    free = info.f_bavail * info.f_frsize
    if free < expected_bytes:
        raise OutputError(
            option,
            str(original),
            f"cannot be written: {free} bytes free in {show(folder)}, "
            f"about {expected_bytes} needed",
        )
