"""A folder of legacy scripts on several TensorFlow releases: one table, script by release.

Each release is an interpreter (a virtualenv with that release installed). Every script runs on
each with one seed, through ``legacy check`` (run folders under ``OUT/tf-<release>/``); then
each release's printed log is compared with the reference release's, number by number
(``logdiff``). A script *regresses* when it ran to the end on the reference release and, on
another, fails or prints different numbers (beyond ``rtol``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tf1repro import files
from tf1repro.legacy.folder import Progress, check_folder, name_of, run_folder_name
from tf1repro.legacy.interpreters import interpreter_versions
from tf1repro.legacy.logdiff import LogDiff, diff_logs
from tf1repro.legacy.script_run import RECORD_FILE, STDOUT_FILE, ScriptRun
from tf1repro.legacy.settings import RunSettings

#: The printed log of a script (by name) on a release (by label), as lines.
Logs = Callable[[str, str], list[str]]

#: Release labels become folder names.
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RELEASE_PREFIX = "tf-"


@dataclass(frozen=True)
class Release:
    """One column of the matrix: a label (the TensorFlow version unless given) and its
    interpreter."""

    label: str
    python: str


def release_of(text: str) -> Release:
    """``LABEL=PYTHON`` or ``PYTHON`` (labelled with the TensorFlow version it has)."""
    label, equals, python = text.partition("=")
    if not equals:
        label, python = "", text
    if not label:
        label = interpreter_versions(python).get("tensorflow", "")
        if not label:
            raise ValueError(f"{python} has no TensorFlow installed")
    return Release(label, python)


def run_matrix(
    scripts: Sequence[Path],
    out: Path,
    releases: Sequence[Release],
    settings: RunSettings,
    *,
    root: Path,
    progress: Progress | None = None,
) -> dict[str, list[ScriptRun]]:
    """Run every script on every release; run folders go to ``out/tf-<label>/``.

    Each release runs the scripts as ``check_folder`` does with ``settings`` in its own
    interpreter (``settings.python`` is not used).

    ``progress(done, total)`` counts the runs over all releases, release after release.
    """
    runs = {}
    for number, release in enumerate(releases):

        def counted(done: int, total: int, before: int = number) -> None:
            if progress is not None:
                progress(before * total + done, len(releases) * total)

        runs[release.label] = check_folder(
            scripts,
            out / f"{RELEASE_PREFIX}{release.label}",
            settings.replace(python=release.python),
            root=root,
            progress=counted,
        )
    return runs


def collect(out: Path, scripts: Sequence[Path], root: Path) -> dict[str, list[ScriptRun]]:
    """The runs already in ``out/tf-*/`` (e.g. one ``legacy check --out OUT/tf-X`` per Docker
    image), by release label; a script missing from a release is left out of it."""
    found: dict[str, list[ScriptRun]] = {}
    for folder in sorted(out.glob(f"{RELEASE_PREFIX}*")):
        runs = []
        for script in scripts:
            record = folder / run_folder_name(script, root)
            if (record / RECORD_FILE).is_file():
                runs.append(ScriptRun.load(record))
        if runs:
            found[folder.name[len(RELEASE_PREFIX) :]] = runs
    return found


@dataclass(frozen=True)
class Comparison:
    """One script on one release, against the reference release."""

    run: ScriptRun | None
    diff: LogDiff | None
    """The log against the reference's (None for the reference, or when either did not run
    to the end)."""
    regressed: bool

    def cell(self, rtol: float) -> str:
        if self.run is None:
            return "-"
        outcome = "ok" if self.run.status == "ok" else f"{self.run.status} ({self.run.kind})"
        if self.diff is None:
            return outcome
        return f"{outcome}, {'same' if self.diff.identical_within(rtol) else 'differs'}"


def by_name(runs: Mapping[str, Sequence[ScriptRun]], root: Path) -> dict[str, dict[str, ScriptRun]]:
    """The runs of each release keyed by their names in the table (path below ``root``)."""
    return {
        label: {name_of(run, root): run for run in release_runs}
        for label, release_runs in runs.items()
    }


def folder_logs(out: Path) -> Logs:
    """The logs of the run folders under ``out/tf-<label>/`` (what ``run_matrix`` leaves)."""
    return lambda label, name: _log(out, label, name)


def compare(
    runs: Mapping[str, Mapping[str, ScriptRun]],
    reference: str,
    logs: Logs,
    rtol: float,
) -> dict[str, dict[str, Comparison]]:
    """Per script name, per release label: the run and its log compared with the reference.

    ``runs``: per release label, the runs by script name (see ``by_name``).
    """
    table: dict[str, dict[str, Comparison]] = {}
    names = sorted({name for release_runs in runs.values() for name in release_runs})
    for name in names:
        base = runs[reference].get(name)
        row: dict[str, Comparison] = {}
        for label in runs:
            run = runs[label].get(name)
            diff = None
            if (
                label != reference
                and run is not None
                and base is not None
                and (run.status == base.status == "ok")
            ):
                diff = diff_logs(logs(reference, name), logs(label, name))
            passed = base is not None and base.status == "ok"
            regressed = (
                label != reference
                and passed
                and (
                    run is None
                    or run.status != "ok"
                    or (diff is not None and not diff.identical_within(rtol))
                )
            )
            row[label] = Comparison(run, diff, regressed)
        table[name] = row
    return table


#: The largest printed log compared (far beyond any tutorial's output).
LOG_LIMIT = 16 * 1024 * 1024


def _log(out: Path, label: str, name: str) -> list[str]:
    path = out / f"{RELEASE_PREFIX}{label}" / Path(name).with_suffix("") / STDOUT_FILE
    try:
        data = files.read_bytes(path, limit=LOG_LIMIT)
    except files.InputError:
        return []
    # The script's own output: undecodable bytes become U+FFFD.
    return data.decode("utf-8", errors="replace").splitlines()


def render(
    table: Mapping[str, Mapping[str, Comparison]],
    labels: Sequence[str],
    reference: str,
    logs: Logs,
    rtol: float,
) -> list[str]:
    """The table (script x release), what differs and where, and the regressions count."""
    headers = [f"{label} (reference)" if label == reference else label for label in labels]
    grid = [[row[label].cell(rtol) for label in labels] for row in table.values()]
    names = list(table)
    width = max([len("script"), *(len(name) for name in names)])
    widths = [
        max([len(header), *(len(cells[i]) for cells in grid)]) for i, header in enumerate(headers)
    ]
    lines = [
        "  ".join(
            [f"{'script':<{width}}", *(f"{h:<{w}}" for h, w in zip(headers, widths, strict=True))]
        ).rstrip()
    ]
    for name, cells in zip(names, grid, strict=True):
        lines.append(
            "  ".join(
                [f"{name:<{width}}", *(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True))]
            ).rstrip()
        )
    details = []
    for name, row in table.items():
        for label in labels:
            diff = row[label].diff
            if diff is None or diff.identical_within(rtol):
                continue
            details.append(f"{name} on {label}: {_explain(diff, logs, reference, label, name)}")
    regressions = sum(row[label].regressed for row in table.values() for label in labels)
    if details:
        lines += ["", *details]
    lines.append(
        f"{len(table)} scripts on {len(labels)} releases; {regressions} regression(s) against "
        f"{reference}"
        + (f" (numbers compared within rtol {rtol:g})" if rtol else " (numbers compared exactly)")
    )
    return lines


def _explain(diff: LogDiff, logs: Logs, reference: str, label: str, name: str) -> str:
    if diff.text_mismatch is not None:
        return diff.text_mismatch
    assert diff.worst is not None and diff.first is not None
    first = diff.first
    text_a = logs(reference, name)[first.line - 1]
    text_b = logs(label, name)[first.line - 1]
    return (
        f"largest relative difference {diff.worst.relative:.3g} (line {diff.worst.line}); "
        f"first differing line {first.line}: {text_a!r} vs {text_b!r}"
    )


def regressed(table: Mapping[str, Mapping[str, Comparison]]) -> bool:
    """Whether any script that ran on the reference release failed or changed on another."""
    return any(cell.regressed for row in table.values() for cell in row.values())
