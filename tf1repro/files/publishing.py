"""Writing outputs atomically: one file (``write_file``) or a command's outputs as one set
(``publish``). A kill at any moment leaves the complete old file (or set) or the complete new
one, and at worst leftovers of tf1repro's own naming that the next check removes.

How ``publish`` makes a set atomic: the new set is built in a staging folder next to the target
folder (``.<name>.tf1repro-stage-<pid>-<random>``): every new file, hard links to the files in
the old folder that are not part of tf1repro's previous set (so a user's own files stay), and
the manifest ``.tf1repro-set.json`` naming the set's files. Then the staging folder and the
target folder are swapped with one ``renameat2(RENAME_EXCHANGE)`` and the old folder is removed.
Files of the previous set that are not in the new set go: the folder then holds exactly the new
set plus the user's files. Where the exchange is not supported, the swap takes two renames
(target -> ``.<name>.tf1repro-old-<pid>-<random>``, staging -> target); a kill between them
leaves the target missing for a moment, and the next check of that target puts the old folder
back (``leftovers.sweep``).

Linux and macOS; the exchange itself is Linux (glibc 2.28 or later).

This module imports its siblings by their full names, never relatively, so that it can also be
loaded from its file alone (the kill tests start a child that way, in milliseconds).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import tf1repro.files.leftovers as leftovers
from tf1repro.files.outputs import (
    MANIFEST,
    MANIFEST_FORMAT,
    OutputError,
    Plan,
    check_output_file,
    check_target_file,
    dirs_of,
    plan,
    set_name,
    walk_foreign,
)
from tf1repro.files.reading import dumps_json, kind_of, reason

# renameat2(2) constants (linux/fcntl.h, linux/fs.h).
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def write_file(path: str | os.PathLike[str], data: bytes, *, option: str) -> Path:
    """Write ``data`` to ``path`` atomically; return the absolute path written.

    The file is written next to its target under tf1repro's own temporary name, with the
    permissions a plain ``open(path, "w")`` gives, fsynced, and renamed over the target; the
    folder is fsynced after. A kill at any moment leaves the old file or the new one whole, and
    at worst a temporary file that the next check or write in that folder removes. The target
    is checked again just before the rename (it may have become a link or a FIFO meanwhile).
    """
    return _replace(path, option, len(data), lambda temporary: _write_new(temporary, data))


def copy_file(source: str | os.PathLike[str], path: str | os.PathLike[str], *, option: str) -> Path:
    """Copy the file ``source`` to ``path`` atomically, as ``write_file`` writes bytes, without
    holding it in memory (a data set); return the absolute path written."""

    def copy(temporary: Path) -> None:
        with open(source, "rb") as data:
            _write_new(temporary, data)

    return _replace(path, option, os.stat(source).st_size, copy)


def _replace(
    path: str | os.PathLike[str], option: str, size: int, write: Callable[[Path], None]
) -> Path:
    """``write`` a temporary file of ``size`` bytes beside ``path``, then rename it over
    ``path`` (see ``write_file``)."""
    target = check_output_file(path, option=option, expected_bytes=size)
    temporary = leftovers.temporary(target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write(temporary)
        check_target_file(target, option, path)
        os.replace(temporary, target)
        _fsync_dir(target.parent)
    except OSError as error:
        raise OutputError(option, path, f"cannot be written: {reason(error)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return target


def publish(
    folder: str | os.PathLike[str], files: Mapping[str, bytes], *, option: str
) -> list[Path]:
    """Write ``files`` (relative name -> content) into ``folder`` as one set; return their paths.

    After a kill at any moment, ``folder`` holds the complete old set or the complete new set
    (see the module docstring for how, and for the one window where the exchange is missing).
    Files in the folder that tf1repro did not write there are kept; files of the previous set
    that the new set does not have are removed. Raises ``OutputError`` for what
    ``check_output_folder`` refuses and for a failure while writing.
    """
    names = [set_name(name) for name in files]
    if dirs_of(names) & set(names):
        raise ValueError(f"a name of the set is also a folder of it: {sorted(names)}")
    size = sum(len(data) for data in files.values())
    target = plan(folder, option, names, size).target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with locked_folder(target.parent):
            # The folder may have changed while the caller worked: check it again, under lock.
            _publish(plan(folder, option, names, size), files)
    except OSError as error:
        raise OutputError(option, folder, f"cannot be written: {reason(error)}") from None
    return [target / name for name in names]


def _publish(checked: Plan, files: Mapping[str, bytes]) -> None:
    target = checked.target
    token = leftovers.new_token()
    stage = leftovers.beside(target, "stage", token)
    mode = _file_mode()
    old: Path | None = None
    try:
        os.mkdir(stage, 0o700)  # private until whole; given the folder's permissions below
        manifest = dumps_json({"format": MANIFEST_FORMAT, "files": sorted(files)}).encode()
        for name, data in {**files, MANIFEST: manifest}.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            _write_new(stage / name, data, mode)
        carried: set[str] = set()
        if checked.exists:
            carried = _carry_over(target, stage, checked.previous, set(files))
        _give_folder_mode(stage, target if checked.exists else None)
        # Deepest first, so that each folder's entry is durable before its parent's.
        folders = [Path(root) for root, _, _ in os.walk(stage)]
        for path in sorted(folders, key=lambda path: -len(path.parts)):
            _fsync_dir(path)
        old = _swap(stage, target, token)
        _fsync_dir(target.parent)
        if old is not None:
            _rescue(old, target, checked.previous | carried | set(files))
    finally:
        # Before the swap this is the unfinished new set; after it, the old folder.
        leftovers.remove(stage)
        if old is not None:
            leftovers.remove(old)


def _umask() -> int:
    # The umask can only be read by setting it; set it straight back.
    current = os.umask(0)
    os.umask(current)
    return current


def _file_mode() -> int:
    """The permissions ``open(path, "w")`` would give: 0666 less the umask (not mkstemp's 0600)."""
    return 0o666 & ~_umask()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes | BinaryIO, mode: int | None = None) -> None:
    """Create ``path`` (it must not exist) with ``mode`` (None: what ``open(path, "w")``
    gives), write ``data`` (bytes, or what an open file holds) and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, _file_mode() if mode is None else mode)
        if isinstance(data, bytes):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        else:
            with open(fd, "wb", closefd=False) as copy:
                shutil.copyfileobj(data, copy)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked_folder(folder: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` itself (no lock file is left behind), so that
    processes writing in it take turns; ``waiting`` is called first when another holds it.
    Raises ``OSError`` when the folder cannot be opened."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with contextlib.suppress(OSError):  # a file system without locks: go on unlocked
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None:
                    waiting()
                fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _give_folder_mode(stage: Path, old: Path | None) -> None:
    if old is None:
        os.chmod(stage, 0o777 & ~_umask())
        return
    info = os.stat(old)
    os.chmod(stage, stat.S_IMODE(info.st_mode))
    if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root (or a group member) may hand it over
            os.chown(stage, info.st_uid, info.st_gid)


def _carry_over(old: Path, stage: Path, previous: set[str], new: set[str]) -> set[str]:
    """Hard-link (or copy) the user's files of ``old`` into ``stage``; recreate their links."""
    carried = set()
    for name, info in walk_foreign(old, previous):
        if name in new:
            continue
        destination = stage / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(old / name), destination)
        elif stat.S_ISREG(info.st_mode):
            try:
                os.link(old / name, destination, follow_symlinks=False)
            except OSError:  # no hard links here (or not allowed): a copy keeps the content
                shutil.copy2(old / name, destination, follow_symlinks=False)
        else:
            raise OSError(errno.EEXIST, f"{name!r} appeared meanwhile ({kind_of(info.st_mode)})")
        carried.add(name)
    return carried


def _rename_exchange(a: Path, b: Path) -> None:
    """Swap the names ``a`` and ``b`` in one step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Raises ``OSError`` with ``ENOSYS`` where the C library or kernel does not offer it (and
    ``EINVAL`` where the file system does not).
    """
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        raise OSError(errno.ENOSYS, "renameat2 is not available") from None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), os.fspath(a))


def _swap(stage: Path, target: Path, token: str) -> Path | None:
    """Put the staged folder in place of ``target``; return where the old folder now is."""
    # Checked again right before the swap: a link or file put there meanwhile is not replaced.
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise OSError(errno.EEXIST, f"the target became a {kind_of(info.st_mode)}")
    if info is None:
        os.rename(stage, target)  # atomic; fails if a folder with files appeared meanwhile
        return None
    try:
        _rename_exchange(stage, target)
    except OSError as error:
        if error.errno not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise
    else:
        return stage
    # Two renames: between them the target is missing, and the next check puts it back.
    aside = leftovers.beside(target, "old", token)
    os.rename(target, aside)
    try:
        os.rename(stage, target)
    except BaseException:
        os.rename(aside, target)  # an error or Ctrl-C in the window: the old folder goes back
        raise
    return aside


def _rescue(old: Path, target: Path, known: set[str]) -> None:
    """Move into ``target`` what the user put into the old folder while the new set was built."""
    for name, _ in walk_foreign(old, known):
        destination = target / name
        if not os.path.lexists(destination):
            with contextlib.suppress(OSError):
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.rename(old / name, destination)
