"""tf1repro's own temporaries beside its outputs: their names, and removing those of dead writers.

Every temporary a writer makes next to its target carries the writer's process id:

* ``.tf1repro-tmp-<pid>-<random>``: a file being written (``write_file``), or the probe that
  tells whether a folder takes new files;
* ``.<name>.tf1repro-stage-<pid>-<random>``: the folder where ``publish`` builds the new set
  for the folder ``<name>``;
* ``.<name>.tf1repro-old-<pid>-<random>``: the old folder ``<name>``, moved aside by the
  two-rename swap (where the one-step exchange is missing).

``sweep`` removes those whose process is gone, and puts an old folder back where a kill between
the two renames left its target missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

_TMP_NAME = re.compile(r"\.tf1repro-tmp-(?P<pid>\d+)-[0-9a-f]+")
_SIBLING_NAME = re.compile(r"\.(?P<label>.+)\.tf1repro-(?P<kind>stage|old)-(?P<pid>\d+)-[0-9a-f]+")
#: Longest target name kept whole inside a staging folder's name (which must fit NAME_MAX too).
_LABEL_BYTES = 200


def new_token() -> str:
    """``<pid>-<random>``: the end of every temporary's name, unique to this process."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def temporary(folder: Path) -> Path:
    """A new name for a temporary file in ``folder``."""
    return folder / f".tf1repro-tmp-{new_token()}"


def is_temporary(name: str) -> bool:
    """Whether ``name`` (one path component) is a temporary file's name."""
    return _TMP_NAME.fullmatch(name) is not None


def beside(target: Path, kind: str, token: str) -> Path:
    """The staging folder (``kind="stage"``) or the moved-aside folder (``"old"``) of ``target``."""
    return target.parent / f".{_label(target.name)}.tf1repro-{kind}-{token}"


def _label(name: str) -> str:
    """``name`` as it appears in the names of staging folders: whole, or cut with a hash."""
    raw = os.fsencode(name)
    if len(raw) <= _LABEL_BYTES:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return os.fsdecode(raw[:150]).encode("utf-8", "ignore").decode("utf-8", "ignore") + "~" + digest


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this one included)."""
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


def remove(path: Path) -> None:
    """Remove a leftover of ours: a folder tree, or a file or link (never followed)."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def sweep(folder: Path, target: str | None = None) -> None:
    """Remove the leftovers of tf1repro writers that died in ``folder``.

    A folder that a two-rename swap moved aside goes back in place when its target is missing
    (the kill came between the two renames), and is removed when the swap completed. When the
    target's name was too long to be kept whole in the aside folder's name (``_label``), only
    the check of that very target can tell: ``target`` names it (an entry of ``folder``).
    """
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        match = _TMP_NAME.fullmatch(entry) or _SIBLING_NAME.fullmatch(entry)
        if match is None or alive(int(match.group("pid"))):
            continue
        if match.re is _TMP_NAME or match.group("kind") == "stage":
            remove(folder / entry)
            continue
        label = match.group("label")
        if "~" in label:  # maybe cut: only a whole name known to cut to it tells the target
            if target is None or _label(target) != label:
                continue
            label = target
        if os.path.lexists(folder / label):
            remove(folder / entry)
        else:
            with contextlib.suppress(OSError):
                os.rename(folder / entry, folder / label)
