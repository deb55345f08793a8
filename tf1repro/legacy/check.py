"""Run every script of a folder, each in its own child process, and summarise the outcomes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tf1repro.legacy.record import ScriptRun
from tf1repro.legacy.runner import run_script

STATUSES = ("ok", "failed", "timeout")


def scripts_in(folder: Path) -> list[Path]:
    """The ``*.py`` files directly in ``folder``, by name."""
    return sorted(path for path in folder.glob("*.py") if path.is_file())


def check_folder(
    scripts: Sequence[Path],
    out: Path,
    *,
    seed: int | None = None,
    timeout: float = 600.0,
    jobs: int = 1,
) -> list[ScriptRun]:
    """Run each script into ``out/<script name without .py>/``; results in the order given.

    ``jobs`` children run at once (threads only wait on them; each child is its own process).
    """
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(
            pool.map(
                lambda script: run_script(script, out / script.stem, seed=seed, timeout=timeout),
                scripts,
            )
        )


def table(runs: Sequence[ScriptRun]) -> list[str]:
    """One row per script (script, status, seconds, figures, reason), then totals per status."""
    width = max([len("script"), *(len(Path(run.script).name) for run in runs)])
    rows = [f"{'script':<{width}}  {'status':<7}  {'seconds':>7}  {'figures':>7}  reason"]
    for run in runs:
        reason = f"{run.kind}: {run.reason}" if run.reason else ""
        rows.append(
            f"{Path(run.script).name:<{width}}  {run.status:<7}  {run.seconds:>7.1f}  "
            f"{len(run.figures):>7}  {reason}".rstrip()
        )
    counts = Counter(run.status for run in runs)
    totals = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
    rows.append(f"{len(runs)} scripts: {totals}")
    return rows
