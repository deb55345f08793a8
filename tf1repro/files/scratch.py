"""Scratch folders: private temporary folders removed on the way out, whatever happens."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import tf1repro.files.leftovers as leftovers

_SCRATCH_NAME = re.compile(r"tf1repro-scratch-[a-z0-9_]*-(\d+)-[0-9a-f]+")


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
    path = base / f"tf1repro-scratch-{prefix}-{leftovers.new_token()}"
    os.mkdir(path, 0o700)
    try:
        yield path
    finally:
        leftovers.remove(path)


def _sweep_scratch(base: Path) -> None:
    try:
        entries = os.listdir(base)
    except OSError:
        return
    for entry in entries:
        match = _SCRATCH_NAME.fullmatch(entry)
        if match and not leftovers.alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                # In a shared temporary folder, only ever our own user's leftovers.
                if os.lstat(base / entry).st_uid == os.geteuid():
                    leftovers.remove(base / entry)
