"""Writing results safely: check the destination first, then write all files atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


class UnwritableError(OSError):
    """The output folder cannot be created or written."""


def check_writable_dir(path: Path) -> None:
    """Raise ``UnwritableError`` unless ``path`` is (or could be created as) a writable folder.

    Creates nothing: the nearest existing ancestor must be a folder we can create files in.
    """
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if path.exists() and not path.is_dir():
        raise UnwritableError(f"{path} exists and is not a folder")
    if not probe.is_dir():
        raise UnwritableError(f"{probe} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as error:
        raise UnwritableError(f"cannot write in {probe}: {error.strerror}") from None


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file, or none: each goes to a temporary file first, then all are renamed.

    Files get the permissions a plain ``open(path, "w")`` would give (0666 less the umask), not
    the private 0600 of a temporary file.
    """
    mode = 0o666 & ~_umask()
    staged: list[tuple[str, Path]] = []
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((tmp, path))
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _umask() -> int:
    # The umask can only be read by setting it; set it straight back.
    current = os.umask(0)
    os.umask(current)
    return current
