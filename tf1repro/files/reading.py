"""Reading input files: regular files only, a size limit, strict UTF-8 and strict JSON.

``read_bytes`` never opens a device and never blocks on a FIFO; ``loads_json`` refuses what
Python's ``json`` accepts but strict parsers do not (``NaN``, ``Infinity``, duplicate keys) and
nesting deep enough to exhaust the stack. Anything wrong is one ``InputError`` naming the file.
``dumps_json`` writes JSON that this reader accepts.
"""

from __future__ import annotations

import json
import os
import re
import stat
from typing import Any

#: The most bytes a reader accepts unless told otherwise: 256 MiB. tf1repro's own files (runs,
#: goldens, matrix results) are well under 1 MiB; the limit only stops a wrong file (a disk
#: image, ``/proc/kcore``) from filling the memory.
DEFAULT_LIMIT = 256 * 1024 * 1024

#: The deepest JSON nesting a reader accepts. tf1repro's files nest 5 levels at most.
DEFAULT_MAX_DEPTH = 64


def show(path: object) -> str:
    """A path as one printable line: as is when printable, else Python's escaped repr."""
    text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    return text if text.isprintable() else repr(text)


def kind_of(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words ("FIFO", "character device"...)."""
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


def reason(error: OSError) -> str:
    """What went wrong in an ``OSError``, without its errno number or path."""
    return error.strerror or str(error)


class InputError(ValueError):
    """A file given to tf1repro cannot be used: ``PATH: [field 'F': ]PROBLEM``, one line."""

    def __init__(self, path: str | os.PathLike[str], problem: str, field: str | None = None):
        self.path = path
        self.problem = problem
        self.field = field
        where = show(path) if field is None else f"{show(path)}: field {field!r}"
        super().__init__(f"{where}: {problem}")


def read_bytes(path: str | os.PathLike[str], *, limit: int = DEFAULT_LIMIT) -> bytes:
    """The content of the regular file ``path`` (symbolic links followed), at most ``limit`` bytes.

    Never opens a device, never blocks on a FIFO: the path is checked before it is opened, and
    the open file is checked again (it may have been swapped in between).
    """
    try:
        if not stat.S_ISREG(mode := os.stat(path).st_mode):
            raise InputError(path, f"not a regular file ({kind_of(mode)})")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as error:
        raise InputError(path, f"cannot be read: {reason(error)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, f"not a regular file ({kind_of(info.st_mode)})")
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
        raise InputError(path, f"cannot be read: {reason(error)}") from None
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
# A number too large for a float (1.8e308) has an exponent of 3 digits or more, or else (an
# exponent of at most 99) 210 digits or more in a row before its point. The digits are all made
# zeros first, so that one substring search finds such a run.
_BIG_EXPONENT = re.compile(r"[eE]\+?[0-9]{3}")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 210


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
    # Python's own float parsing, unless a number may overflow: a hook called for each of a
    # record's 10^5-10^6 floats took three quarters of the time of reading it.
    parse_float = _finite_float if _may_overflow(text) else None
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=parse_float,
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


def _may_overflow(text: str) -> bool:
    """Whether a number in ``text`` may be too large for a float (digits in strings count too:
    the slower check is then made)."""
    if _BIG_EXPONENT.search(text):
        return True
    return text.encode(errors="replace").translate(_DIGITS_TO_ZERO).find(_LONG_RUN) >= 0


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
