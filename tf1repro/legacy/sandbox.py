"""The working copy a legacy script runs in: its folder's files in reach, its writes kept apart.

TF1 tutorials open their sibling files by relative path (``base_tic_tac_toe_moves.csv``) and
write beside themselves (``temp/``, ``tensorboard_logs/``). Each run gets a copy of the script's
folder as its working directory: the script finds its files and changes nothing in the original
folder. Afterwards, ``written`` lists the files the script created or changed in the copy; the
runner keeps those in the run folder (``files/``) and drops the rest.

Copies are bounded: files larger than ``COPY_FILE_LIMIT``, and everything once
``COPY_TOTAL_LIMIT`` bytes or ``COPY_ENTRY_LIMIT`` entries have been copied, are symbolic links
to the originals instead (a script that writes *into* such a file changes the original).
Version-control folders, caches and virtualenvs are left out.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

COPY_FILE_LIMIT = 16 * 2**20
COPY_TOTAL_LIMIT = 256 * 2**20
COPY_ENTRY_LIMIT = 5000

#: Folders never copied: they are not the tutorial's data, and may be huge.
SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", ".mypy_cache", ".pytest_cache"}
)


@dataclass
class WorkingCopy:
    """A copy of ``origin`` at ``work``; ``before`` is what each entry looked like at the start."""

    origin: Path
    work: Path
    before: dict[str, tuple[int, int]] = field(default_factory=dict)
    linked: list[str] = field(default_factory=list)
    """Entries (relative paths) that are links to the originals, not copies."""

    def written(self) -> list[str]:
        """Files (relative paths, sorted) that the script created or changed in the copy."""
        found = []
        for folder, subfolders, files in os.walk(self.work):
            subfolders.sort()
            for name in files:
                path = Path(folder, name)
                relative = path.relative_to(self.work).as_posix()
                if path.is_symlink() or not path.is_file():
                    continue
                stat = path.stat()
                if self.before.get(relative) != (stat.st_size, stat.st_mtime_ns):
                    found.append(relative)
        return sorted(found)


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


def make_working_copy(origin: Path, work: Path, exclude: Iterable[Path] = ()) -> WorkingCopy:
    """Copy ``origin`` into ``work`` (created), leaving out ``exclude`` and the skipped folders."""
    excluded = {path.resolve() for path in exclude}
    copy = WorkingCopy(origin=origin, work=work)
    budget = [COPY_TOTAL_LIMIT, COPY_ENTRY_LIMIT]
    work.mkdir(parents=True)
    _copy_folder(origin, work, excluded, copy, budget)
    return copy


def _copy_folder(
    source: Path, target: Path, excluded: set[Path], copy: WorkingCopy, budget: list[int]
) -> None:
    try:
        entries = sorted(os.scandir(source), key=lambda entry: entry.name)
    except OSError:
        return  # an unreadable folder is left out, as the script could not read it either
    for entry in entries:
        path = Path(entry.path)
        destination = target / entry.name
        relative = destination.relative_to(copy.work).as_posix()
        if path.resolve() in excluded:
            continue
        if entry.is_dir(follow_symlinks=False):
            if entry.name in SKIPPED_FOLDERS or _is_virtualenv(path):
                continue
            if budget[1] <= 0:
                _link(path, destination, relative, copy)
                continue
            budget[1] -= 1
            destination.mkdir()
            _copy_folder(path, destination, excluded, copy, budget)
        elif entry.is_symlink():
            # A link is kept as a link, made absolute so it still points where it pointed.
            _link(path.resolve(), destination, relative, copy)
        elif entry.is_file():
            size = entry.stat().st_size
            if size > COPY_FILE_LIMIT or size > budget[0] or budget[1] <= 0:
                _link(path, destination, relative, copy)
                continue
            budget[0] -= size
            budget[1] -= 1
            try:
                shutil.copy2(path, destination)
            except OSError:
                continue  # unreadable: the script could not have read it either
            stat = destination.stat()
            copy.before[relative] = (stat.st_size, stat.st_mtime_ns)


def _link(original: Path, destination: Path, relative: str, copy: WorkingCopy) -> None:
    os.symlink(original, destination)
    copy.linked.append(relative)
