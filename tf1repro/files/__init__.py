"""The one reader and the one writer: every file tf1repro reads or writes goes through here.

**Reading** (``read_bytes``, ``read_text``, ``read_json``) accepts regular files only, reads at
most a documented number of bytes, never blocks on a FIFO, and parses JSON strictly: no ``NaN``
or ``Infinity``, no number that overflows to infinity, no duplicate keys, no nesting deeper than
``DEFAULT_MAX_DEPTH``. Anything wrong is an ``InputError`` with one line naming the file (and,
through ``Fields``, the field) and what is wrong.

**Writing** is checked before any work (``check_output_file``, ``check_output_folder``), then
done atomically: ``write_file`` for one file, ``publish`` for a command's outputs as one set.
An existing target that is not a regular file (device, FIFO, socket, folder) or is a symbolic
link is refused, never replaced. A kill at any moment leaves the complete old file (or set) or
the complete new one; leftovers of the tool's own naming whose process is gone are removed by
the next check or write in that folder. Anything wrong is an ``OutputError`` naming the option.

How ``publish`` makes a set atomic: the new set is built in a staging folder next to the target
folder (``.<name>.tf1repro-stage-<pid>-<random>``): every new file, hard links to the files in
the old folder that are not part of tf1repro's previous set (so a user's own files stay), and
the manifest ``.tf1repro-set.json`` naming the set's files. Then the staging folder and the
target folder are swapped with one ``renameat2(RENAME_EXCHANGE)`` and the old folder is removed.
Files of the previous set that are not in the new set go: the folder then holds exactly the new
set plus the user's files. Where the exchange is not supported, the swap takes two renames
(target -> ``.<name>.tf1repro-old-<pid>-<random>``, staging -> target); a kill between them
leaves the target missing for a moment, and the next check of that target puts the old folder
back.

Linux and macOS; the exchange itself is Linux (glibc 2.28 or later).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

#: The most bytes a reader accepts unless told otherwise: 256 MiB. tf1repro's own files (runs,
#: goldens, matrix results) are well under 1 MiB; the limit only stops a wrong file (a disk
#: image, ``/proc/kcore``) from filling the memory.
DEFAULT_LIMIT = 256 * 1024 * 1024

#: The deepest JSON nesting a reader accepts. tf1repro's files nest 5 levels at most.
DEFAULT_MAX_DEPTH = 64

#: The longest file name (in bytes) on the file systems tf1repro writes to (ext4, xfs, tmpfs,
#: APFS); checked before any work rather than discovered by a failing write after it.
NAME_MAX = 255

#: The file in a published folder that names the files of the set tf1repro wrote there.
MANIFEST = ".tf1repro-set.json"
MANIFEST_FORMAT = "tf1repro.set/1"

_TMP_PREFIX = ".tf1repro-tmp-"
_SCRATCH_PREFIX = "tf1repro-scratch-"
_TMP_NAME = re.compile(r"\.tf1repro-tmp-(\d+)-[0-9a-f]+")
_SIBLING_NAME = re.compile(r"\.(.+)\.tf1repro-(stage|old)-(\d+)-[0-9a-f]+")
_SCRATCH_NAME = re.compile(r"tf1repro-scratch-[a-z0-9_]*-(\d+)-[0-9a-f]+")
#: Longest target name kept whole inside a staging folder's name (which must fit NAME_MAX too).
_LABEL_BYTES = 200

# renameat2(2) constants (linux/fcntl.h, linux/fs.h).
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Errors


def _show(path: object) -> str:
    """A path as one printable line: as is when printable, else Python's escaped repr."""
    text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    return text if text.isprintable() else repr(text)


class InputError(ValueError):
    """A file given to tf1repro cannot be used: ``PATH: [field 'F': ]PROBLEM``, one line."""

    def __init__(self, path: str | os.PathLike[str], problem: str, field: str | None = None):
        self.path = path
        self.problem = problem
        self.field = field
        where = _show(path) if field is None else f"{_show(path)}: field {field!r}"
        super().__init__(f"{where}: {problem}")


class OutputError(ValueError):
    """An output cannot be written: ``OPTION 'PATH' PROBLEM``, one line."""

    def __init__(self, option: str, path: str | os.PathLike[str], problem: str):
        self.option = option
        self.path = path
        self.problem = problem
        super().__init__(f"{option} {os.fsdecode(path)!r} {problem}")


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISLNK, "symbolic link"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


# ---------------------------------------------------------------------------------------------
# Reading


def read_bytes(path: str | os.PathLike[str], *, limit: int = DEFAULT_LIMIT) -> bytes:
    """The content of the regular file ``path`` (symbolic links followed), at most ``limit`` bytes.

    Never opens a device, never blocks on a FIFO: the path is checked before it is opened, and
    the open file is checked again (it may have been swapped in between).
    """
    try:
        if not stat.S_ISREG(mode := os.stat(path).st_mode):
            raise InputError(path, f"not a regular file ({_kind(mode)})")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as error:
        raise InputError(path, f"cannot be read: {_reason(error)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise InputError(path, f"larger than {limit} bytes ({info.st_size} bytes)")
        chunks = []
        left = limit + 1  # one byte more tells a file that grew (or lies about its size)
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise InputError(path, f"cannot be read: {_reason(error)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputError(path, f"larger than {limit} bytes")
    return data


def read_text(path: str | os.PathLike[str], *, limit: int = DEFAULT_LIMIT) -> str:
    """``read_bytes`` decoded as strict UTF-8."""
    data = read_bytes(path, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start]
        raise InputError(
            path, f"not UTF-8 text: invalid byte 0x{bad:02x} at offset {error.start}"
        ) from None


def read_json(
    path: str | os.PathLike[str], *, limit: int = DEFAULT_LIMIT, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """The strict JSON document in ``path`` (see ``loads_json``)."""
    return loads_json(read_text(path, limit=limit), source=path, max_depth=max_depth)


class _Rejected(ValueError):
    """Raised from inside the JSON parser's hooks; turned into an InputError with a position."""


# A JSON string (skipped whole, so brackets and words inside it do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_STRING_OR_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|-?Infinity|NaN', re.DOTALL)


def loads_json(
    text: str, *, source: str | os.PathLike[str], max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """Parse ``text`` as strict JSON; ``source`` names it in errors (a path, or ``"stdin"``).

    Refused, each with an ``InputError``: an empty document, malformed JSON (with line and
    column), the tokens ``NaN``, ``Infinity`` and ``-Infinity``, numbers too large for a float,
    duplicate keys in one object, and nesting deeper than ``max_depth``.
    """
    if not text.strip():
        raise InputError(source, "empty, not JSON")
    _check_depth(text, source, max_depth)
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        raise InputError(
            source, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except _Rejected as error:
        raise InputError(source, f"not strict JSON: {error}{_where_constant(text)}") from None
    except RecursionError:
        # The depth scan makes this unreachable for any max_depth below the recursion limit;
        # kept so that no caller's stack depth can turn bad input into a traceback.
        raise InputError(source, f"nested deeper than {max_depth} levels") from None
    except ValueError as error:
        # e.g. an integer with more digits than Python converts (sys.get_int_max_str_digits).
        raise InputError(source, f"not valid JSON: {error}") from None


def _check_depth(text: str, source: str | os.PathLike[str], max_depth: int) -> None:
    if text.count("[") + text.count("{") <= max_depth:
        return  # cannot nest deeper than it has brackets: the common case costs two counts
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                line = text.count("\n", 0, match.start()) + 1
                raise InputError(source, f"nested deeper than {max_depth} levels (line {line})")
        elif token in "]}":
            depth -= 1


def _reject_constant(token: str) -> Any:
    raise _Rejected(f"{token} is not a JSON number")


def _finite_float(token: str) -> float:
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise _Rejected(f"{token} is too large for a float")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Rejected(f"duplicate key {key!r}")
        result[key] = value
    return result


def _where_constant(text: str) -> str:
    for match in _STRING_OR_CONSTANT.finditer(text):
        if not match.group().startswith('"'):
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return f" at line {line} column {column}"
    return ""


def dumps_json(obj: Any) -> str:
    """``obj`` as tf1repro writes JSON: indent 1, a final newline, strict (no NaN, no Infinity).

    A non-finite float reaching this is a bug in the caller (records encode them themselves), so
    it raises ``ValueError`` rather than write a file that strict parsers reject.
    """
    return json.dumps(obj, indent=1, allow_nan=False) + "\n"


def _brief(value: object) -> str:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return names.get(type(value), type(value).__name__)


class Fields:
    """A loaded JSON object, read field by field with one-line errors naming the dotted field.

    ``Fields(data, path).integer("steps", low=1)`` returns the int or raises ``InputError``
    ``run.json: field 'config.steps': must be an int >= 1, got "x"``.
    """

    def __init__(self, data: object, path: str | os.PathLike[str], where: str = "") -> None:
        self.path = path
        self.where = where
        if not isinstance(data, dict):
            problem = f"must be a JSON object, got {_type_name(data)}"
            raise InputError(path, problem, where or None)
        self.data: dict[str, Any] = data

    def _name(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, problem: str) -> InputError:
        """An ``InputError`` about field ``name`` of this object (for checks of one's own)."""
        return InputError(self.path, problem, self._name(name))

    def has(self, name: str) -> bool:
        return name in self.data

    def only(self, *names: str) -> None:
        """Refuse any field not in ``names`` (a misspelt field must not be silently ignored)."""
        for key in self.data:
            if key not in names:
                raise self.error(key, f"unknown field (allowed: {', '.join(names)})")

    def _value(self, name: str) -> Any:
        if name not in self.data:
            raise self.error(name, "missing")
        return self.data[name]

    def get(self, name: str, kind: type[T], described: str | None = None) -> T:
        """Field ``name``, which must be an instance of ``kind`` (``described`` in the message)."""
        value = self._value(name)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            wanted = described or f"a {kind.__name__}"
            raise self.error(name, f"must be {wanted}, got {_brief(value)}")
        return value

    def integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int:
        value = self._value(name)
        bounds = [f">= {low}"] if low is not None else []
        bounds += [f"<= {high}"] if high is not None else []
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok or (low is not None and value < low) or (high is not None and value > high):
            wanted = " ".join(["an int", " and ".join(bounds)]).rstrip()
            raise self.error(name, f"must be {wanted}, got {_brief(value)}")
        return int(value)

    def number(self, name: str) -> float:
        """A finite number (int or float) as a float."""
        value = self._value(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(name, f"must be a number, got {_brief(value)}")
        return float(value)

    def string(self, name: str, *, choices: Iterable[str] | None = None) -> str:
        value = self.get(name, str, "a string")
        if choices is not None and value not in (allowed := tuple(choices)):
            raise self.error(name, f"must be one of {', '.join(allowed)}, got {_brief(value)}")
        return value

    def boolean(self, name: str) -> bool:
        return self.get(name, bool, "true or false")

    def array(self, name: str, *, length: int | None = None) -> list[Any]:
        value = self.get(name, list, "a list")
        if length is not None and len(value) != length:
            raise self.error(name, f"must hold {length} items, got {len(value)}")
        return value

    def obj(self, name: str) -> Fields:
        """Field ``name`` as a nested ``Fields``."""
        return Fields(self._value(name), self.path, self._name(name))

    def objs(self, name: str) -> list[Fields]:
        """Field ``name``, a list of objects, as ``Fields`` named ``name[0]``, ``name[1]``..."""
        where = self._name(name)
        return [
            Fields(item, self.path, f"{where}[{index}]")
            for index, item in enumerate(self.array(name))
        ]


# ---------------------------------------------------------------------------------------------
# Checking outputs


def _umask() -> int:
    # The umask can only be read by setting it; set it straight back.
    current = os.umask(0)
    os.umask(current)
    return current


def _file_mode() -> int:
    """The permissions ``open(path, "w")`` would give: 0666 less the umask (not mkstemp's 0600)."""
    return 0o666 & ~_umask()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    except OverflowError:
        return False
    return True


def _remove(path: Path) -> None:
    """Remove a leftover of ours: a folder tree, or a file or link (never followed)."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def _sweep(folder: Path) -> None:
    """Remove the leftovers of tf1repro writers that died in ``folder``; put back a folder that a
    two-rename swap moved aside (its target is missing), remove it if the swap completed."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if match := _TMP_NAME.fullmatch(entry):
            if not _alive(int(match.group(1))):
                _remove(folder / entry)
        elif match := _SIBLING_NAME.fullmatch(entry):
            label, kind, pid = match.group(1), match.group(2), int(match.group(3))
            if _alive(pid):
                continue
            if kind == "stage":
                _remove(folder / entry)
            elif "~" not in label:  # a whole name: its target is known
                target = folder / label
                if os.path.lexists(target):
                    _remove(folder / entry)
                else:
                    with contextlib.suppress(OSError):
                        os.rename(folder / entry, target)
    # A truncated label ("~hash"): only a check of that very target can tell; see _recover.


def _recover(target: Path) -> None:
    """Put back (or remove) the folder a two-rename swap of ``target`` moved aside, if any."""
    label = _label(target.name)
    if "~" not in label:
        return  # _sweep handles whole names
    parent = target.parent
    with contextlib.suppress(OSError):
        for entry in os.listdir(parent):
            match = _SIBLING_NAME.fullmatch(entry)
            if match and match.group(1) == label and match.group(2) == "old":
                if _alive(int(match.group(3))):
                    continue
                if os.path.lexists(target):
                    _remove(parent / entry)
                else:
                    os.rename(parent / entry, target)


def _label(name: str) -> str:
    """``name`` as it appears in the names of staging folders: whole, or cut with a hash."""
    raw = os.fsencode(name)
    if len(raw) <= _LABEL_BYTES:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return os.fsdecode(raw[:150]).encode("utf-8", "ignore").decode("utf-8", "ignore") + "~" + digest


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
                    option, original, f"cannot be created: {_show(probe)} is a dangling link"
                ) from None
            probe = probe.parent
            continue
        except OSError as error:
            raise OutputError(
                option, original, f"cannot be created: {_show(probe)}: {_reason(error)}"
            ) from None
        if not stat.S_ISDIR(info.st_mode):
            raise OutputError(
                option, original, f"cannot be created: {_show(probe)} is a {_kind(info.st_mode)}"
            )
        return probe


def _check_names(path: Path, option: str, original: str | os.PathLike[str]) -> None:
    for part in path.parts:
        if part not in ("/", "//") and len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(
                option, original, f"has a name longer than {NAME_MAX} bytes ({_show(part)[:40]}...)"
            )


def _probe_writable(folder: Path, option: str, original: str | os.PathLike[str]) -> None:
    """Create and remove a file of our own naming in ``folder``: the only honest test."""
    _sweep(folder)
    name = folder / f"{_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise OutputError(
            option, original, f"cannot be written: {_show(folder)}: {_reason(error)}"
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
            f"cannot be written: {free} bytes free in {_show(folder)}, "
            f"about {expected_bytes} needed",
        )


def _check_target_file(path: Path, option: str, original: str | os.PathLike[str]) -> None:
    """An existing ``path`` must be a regular, writable file that is not a symbolic link."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(option, original, f"cannot be checked: {_reason(error)}") from None
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(option, original, "is a symbolic link; tf1repro does not replace links")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(option, original, f"is not a regular file ({_kind(info.st_mode)})")
    # A write-protected file is one its owner protected: keep it, even for root.
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise OutputError(option, original, "is write-protected")


def _as_path(path: str | os.PathLike[str], option: str) -> Path:
    if not os.fspath(path):
        raise OutputError(option, path, "is empty; name a file or folder")
    if "\0" in os.fsdecode(path):
        raise OutputError(option, path, "holds a NUL character")
    return Path(os.path.abspath(path))


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
    _check_target_file(target, option, path)
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
    names = [_check_set_name(name) for name in names]
    for name in names:
        _check_names(Path(name), option, os.path.join(os.fspath(path), name))
    return _Plan.make(path, option, names, expected_bytes).target


class _Plan:
    """What ``publish`` found when it checked the target folder."""

    def __init__(self, target: Path, previous: set[str], exists: bool) -> None:
        self.target = target
        self.previous = previous
        """The files of tf1repro's previous set in the folder (from its manifest)."""
        self.exists = exists

    @classmethod
    def make(
        cls, path: str | os.PathLike[str], option: str, names: list[str], expected_bytes: int
    ) -> _Plan:
        target = _as_path(path, option)
        _check_names(target, option, path)
        if os.path.islink(target):
            try:
                target = Path(os.path.realpath(target, strict=True))
            except OSError as error:
                raise OutputError(
                    option, path, f"is a symbolic link that leads nowhere: {_reason(error)}"
                ) from None
        if target.parent == target:
            raise OutputError(option, path, "is the root folder")
        _recover(target)
        _sweep(target.parent)
        try:
            info = os.lstat(target)
        except (FileNotFoundError, NotADirectoryError):
            info = None  # missing, or below a file: _existing_ancestor says which
        except OSError as error:
            raise OutputError(option, path, f"cannot be checked: {_reason(error)}") from None
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise OutputError(option, path, f"is not a folder ({_kind(info.st_mode)})")
        ancestor = _existing_ancestor(target.parent, option, path)
        _probe_writable(ancestor, option, path)
        _check_space(ancestor, expected_bytes, option, path)
        previous: set[str] = set()
        if info is not None:
            cwd = Path(os.path.realpath(os.getcwd()))
            real = Path(os.path.realpath(target))
            if cwd == real or real in cwd.parents:
                raise OutputError(
                    option, path, "is the current folder or holds it; name a folder of its own"
                )
            parent_info = os.stat(target.parent)
            if parent_info.st_dev != info.st_dev or os.path.ismount(target):
                raise OutputError(option, path, "is a mount point; name a folder inside it")
            _sweep(target)
            previous = _previous_set(target)
            for name in names:
                _check_target_file(target / name, option, os.path.join(os.fspath(path), name))
            _check_foreign(target, previous, set(names), option, path)
        return cls(target, previous, info is not None)


def _check_set_name(name: str) -> str:
    """A file name of a set: relative, normalised, not ours (programming errors raise)."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or name == MANIFEST
        or any(_TMP_NAME.fullmatch(part) for part in parts)
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
                found.add(_check_set_name(name))
    return found


def _dirs_of(names: Iterable[str]) -> set[str]:
    """Every folder that holds one of ``names`` (``a/b/c`` -> ``a``, ``a/b``)."""
    found: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return found


def _walk_foreign(folder: Path, previous: set[str]) -> Iterator[tuple[str, os.stat_result]]:
    """``(relative name, lstat)`` of every entry of ``folder`` that is not part of the previous
    set, descending only into folders that hold files of that set."""
    ours = _dirs_of(previous)
    pending = [""]
    while pending:
        relative = pending.pop()
        for entry in sorted(os.listdir(folder / relative) if relative else os.listdir(folder)):
            name = f"{relative}/{entry}" if relative else entry
            if name in previous or name == MANIFEST or _TMP_NAME.fullmatch(entry):
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
    new_dirs = _dirs_of(names)
    for name, info in _walk_foreign(folder, previous):
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
        what = _kind(info.st_mode)
        raise OutputError(
            option,
            str(path),
            f"holds {name!r} ({what}), which is not one of tf1repro's outputs; "
            "publish into a folder of its own",
        )


# ---------------------------------------------------------------------------------------------
# Writing


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` (it must not exist), write ``data`` and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: str | os.PathLike[str], data: bytes, *, option: str) -> Path:
    """Write ``data`` to ``path`` atomically; return the absolute path written.

    The file is written next to its target under tf1repro's own temporary name, with the
    permissions a plain ``open(path, "w")`` gives, fsynced, and renamed over the target; the
    folder is fsynced after. A kill at any moment leaves the old file or the new one whole, and
    at worst a temporary file that the next check or write in that folder removes. The target
    is checked again just before the rename (it may have become a link or a FIFO meanwhile).
    """
    target = check_output_file(path, option=option, expected_bytes=len(data))
    temporary = target.parent / f"{_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_new(temporary, data, _file_mode())
        _check_target_file(target, option, path)
        os.replace(temporary, target)
        _fsync_dir(target.parent)
    except OSError as error:
        raise OutputError(option, path, f"cannot be written: {_reason(error)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return target


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


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` itself, so two publishes next to it take turns."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with contextlib.suppress(OSError):  # a file system without locks: go on unlocked
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
    names = [_check_set_name(name) for name in files]
    if _dirs_of(names) & set(names):
        raise ValueError(f"a name of the set is also a folder of it: {sorted(names)}")
    size = sum(len(data) for data in files.values())
    plan = _Plan.make(folder, option, names, size)
    target = plan.target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _locked(target.parent):
            # The folder may have changed while the caller worked: check it again, under lock.
            plan = _Plan.make(folder, option, names, size)
            _publish(plan, files)
    except OSError as error:
        raise OutputError(option, folder, f"cannot be written: {_reason(error)}") from None
    return [target / name for name in names]


def _publish(plan: _Plan, files: Mapping[str, bytes]) -> None:
    target, parent = plan.target, plan.target.parent
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    stage = parent / f".{_label(target.name)}.tf1repro-stage-{token}"
    mode = _file_mode()
    old: Path | None = None
    try:
        os.mkdir(stage, 0o700)  # private until whole; given the folder's permissions below
        for name, data in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            _write_new(stage / name, data, mode)
        carried: set[str] = set()
        if plan.exists:
            carried = _carry_over(target, stage, plan.previous, set(files))
        manifest = {"format": MANIFEST_FORMAT, "files": sorted(files)}
        _write_new(stage / MANIFEST, dumps_json(manifest).encode(), mode)
        _give_folder_mode(stage, target if plan.exists else None)
        # Deepest first, so that each folder's entry is durable before its parent's.
        for path in sorted(_all_dirs(stage), key=_depth):
            _fsync_dir(path)
        old = _swap(stage, target, token)
        _fsync_dir(parent)
        if old is not None:
            _rescue(old, target, plan.previous | carried | set(files))
    finally:
        # Before the swap this is the unfinished new set; after it, the old folder.
        _remove(stage)
        if old is not None:
            _remove(old)


def _all_dirs(folder: Path) -> Iterator[Path]:
    for root, _, _ in os.walk(folder):
        yield Path(root)


def _depth(path: Path) -> int:
    return -len(path.parts)


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
    for name, info in _walk_foreign(old, previous):
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
            raise OSError(errno.EEXIST, f"{name!r} appeared meanwhile ({_kind(info.st_mode)})")
        carried.add(name)
    return carried


def _swap(stage: Path, target: Path, token: str) -> Path | None:
    """Put the staged folder in place of ``target``; return where the old folder now is."""
    # Checked again right before the swap: a link or file put there meanwhile is not replaced.
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise OSError(errno.EEXIST, f"the target became a {_kind(info.st_mode)}")
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
    # Two renames: between them the target is missing, and _sweep or _recover puts it back.
    aside = target.parent / f".{_label(target.name)}.tf1repro-old-{token}"
    os.rename(target, aside)
    try:
        os.rename(stage, target)
    except BaseException:
        os.rename(aside, target)  # an error or Ctrl-C in the window: the old folder goes back
        raise
    return aside


def _rescue(old: Path, target: Path, known: set[str]) -> None:
    """Move into ``target`` what the user put into the old folder while the new set was built."""
    for name, _ in _walk_foreign(old, known):
        destination = target / name
        if name not in known and not os.path.lexists(destination):
            with contextlib.suppress(OSError):
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.rename(old / name, destination)


# ---------------------------------------------------------------------------------------------
# Scratch space


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A private temporary folder, removed on the way out whatever happens (an exception,
    Ctrl-C, or SIGTERM under ``tf1repro.signals.interruptible``).

    ``prefix`` (lower-case letters, digits, ``_``) says what it is for. The folder is created in
    the system's temporary folder as ``tf1repro-scratch-<prefix>-<pid>-<random>``; those left by
    a process that was killed (``kill -9``) are removed by the next ``scratch_dir``.
    """
    if not re.fullmatch(r"[a-z0-9_]*", prefix):
        raise ValueError(f"scratch prefix must be lower-case letters, digits or _: {prefix!r}")
    base = Path(tempfile.gettempdir())
    _sweep_scratch(base)
    path = base / f"{_SCRATCH_PREFIX}{prefix}-{os.getpid()}-{secrets.token_hex(4)}"
    os.mkdir(path, 0o700)
    try:
        yield path
    finally:
        _remove(path)


def _sweep_scratch(base: Path) -> None:
    try:
        entries = os.listdir(base)
    except OSError:
        return
    for entry in entries:
        match = _SCRATCH_NAME.fullmatch(entry)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                # In a shared temporary folder, only ever our own user's leftovers.
                if os.lstat(base / entry).st_uid == os.geteuid():
                    _remove(base / entry)
