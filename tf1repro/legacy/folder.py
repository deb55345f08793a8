"""Run every script of a folder, each in its own child process, and summarise the outcomes."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tf1repro.legacy.preload import preloading
from tf1repro.legacy.runner import cancel_all, run_script
from tf1repro.legacy.sandbox import SKIPPED_FOLDERS
from tf1repro.legacy.script_run import ScriptRun
from tf1repro.legacy.settings import RunSettings, settings_of

STATUSES = ("ok", "failed", "timeout")
#: ``progress(done, total)``: scripts finished so far, of how many.
Progress = Callable[[int, int], None]


def scripts_in(folder: Path, *, recursive: bool = False) -> list[Path]:
    """The ``*.py`` files in ``folder`` (and, when ``recursive``, in its subfolders), by path.

    Virtualenvs, caches and version-control folders are not searched.
    """
    if not recursive:
        return sorted(path for path in folder.glob("*.py") if path.is_file())
    found = []
    for path in folder.rglob("*.py"):
        parents = path.relative_to(folder).parts[:-1]
        skipped = any(
            part in SKIPPED_FOLDERS or (folder.joinpath(*parents[: i + 1]) / "pyvenv.cfg").is_file()
            for i, part in enumerate(parents)
        )
        if path.is_file() and not skipped:
            found.append(path)
    return sorted(found)


def run_folder_name(script: Path, root: Path) -> Path:
    """Where a script's run folder goes under the check's ``--out``: its path below ``root``
    without ``.py`` (``02_tensors`` or ``01_Introduction/02_tensors``)."""
    try:
        return script.relative_to(root).with_suffix("")
    except ValueError:
        return Path(script.stem)


def check_folder(
    scripts: Sequence[Path],
    out: Path,
    settings: RunSettings | None = None,
    *,
    root: Path | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> list[ScriptRun]:
    """Run each script into ``out/<its path below root, without .py>/``; results in the order
    given (``root``: the folder of the first script when not given).

    ``settings`` says how (None: the defaults); ``options``, fields of ``RunSettings``
    (``seed=0, jobs=3``...), change it. ``settings.jobs`` children run at once (threads only
    wait on them; each child is its own process). Children are forked from a preloaded
    interpreter where that is safe (see ``preload``), unless ``settings.fresh``: then each
    starts in a fresh interpreter. ``progress(done, total)`` is called before the first script
    and as each one finishes (from the pool's threads).
    """
    settings = settings_of(settings, options)
    top = root if root is not None else (scripts[0].parent if scripts else Path("."))
    finished = [0]
    lock = threading.Lock()

    def run(script: Path) -> ScriptRun:
        result = run_script(script, out / run_folder_name(script, top), settings, exclude=[out])
        if progress is not None:
            with lock:
                finished[0] += 1
                progress(finished[0], len(scripts))
        return result

    if progress is not None:
        progress(0, len(scripts))

    with (
        contextlib.nullcontext() if settings.fresh else preloading(),
        ThreadPoolExecutor(max_workers=settings.jobs) as pool,
    ):
        try:
            return list(pool.map(run, scripts))
        except BaseException:
            # Ctrl-C lands here, in the waiting thread: stop the children now, or leaving the
            # pool would wait for every one of them to finish.
            cancel_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def name_of(run: ScriptRun, root: Path | None) -> str:
    """How a run is named in a table: its path below ``root``, else its file name."""
    path = Path(run.script)
    if root is not None:
        # The script as given (relative to the working folder, or absolute), then resolved.
        for base, script in ((root, path), (root.resolve(), path.resolve())):
            try:
                return script.relative_to(base).as_posix()
            except ValueError:
                pass
    return path.name


def stand_ins(run: ScriptRun) -> str:
    """The removed APIs a run used, in short: what was served, then ``!`` what was not."""
    served = sorted({_short(entry["api"]) for entry in run.served})
    unserved = sorted({"!" + _short(api) for api in run.unserved})
    return ",".join(served + unserved) or "-"


def _short(api: str) -> str:
    """``tf.contrib.rnn.BasicLSTMCell`` -> ``contrib.rnn``; ``tensorflow.examples...`` ->
    ``input_data``; ``tf.keras`` -> ``keras``."""
    if api.endswith("input_data"):
        return "input_data"
    parts = api.removeprefix("tf.").split(".")
    if parts[0] == "contrib":
        return ".".join(parts[:2])
    if parts[0] in ("keras", "layers"):
        return "keras2"
    if api.startswith("tf.Session"):
        return "soft-placement"
    return parts[0]


def table(
    runs: Sequence[ScriptRun], root: Path | None = None, names: Sequence[str] | None = None
) -> list[str]:
    """One row per script (script, status, seconds, figures, files, stand-ins, reason), totals
    per status, then the removed APIs each script used and what served each.

    Scripts are named by ``names`` when given (one per run), else by ``name_of(run, root)``.
    """
    if names is None:
        names = [name_of(run, root) for run in runs]
    width = max([len("script"), *(len(name) for name in names)])
    shorts = [stand_ins(run) for run in runs]
    compat = max([len("stand-ins"), *(len(short) for short in shorts)])
    rows = [
        f"{'script':<{width}}  {'status':<7}  {'seconds':>7}  {'figures':>7}  {'files':>5}  "
        f"{'stand-ins':<{compat}}  reason"
    ]
    for name, short, run in zip(names, shorts, runs, strict=True):
        reason = f"{run.kind}: {run.reason}" if run.reason else ""
        rows.append(
            f"{name:<{width}}  {run.status:<7}  {run.seconds:>7.1f}  {len(run.figures):>7}  "
            f"{len(run.files):>5}  {short:<{compat}}  {reason}".rstrip()
        )
    counts = Counter(run.status for run in runs)
    totals = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
    rows.append(f"{len(runs)} scripts: {totals}")
    used = [(name, run) for name, run in zip(names, runs, strict=True) if run.substitutions]
    if used:
        rows.append("")
        rows.append("Removed APIs used (-> the stand-in that served it; 'no stand-in': port it):")
        for name, run in used:
            for entry in run.substitutions:
                served = entry["stand_in"] or "no stand-in"
                rows.append(f"  {name}: {entry['api']} -> {served}")
    return rows
