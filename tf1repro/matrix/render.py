"""Result records in, Markdown out: one table row per release, then the details behind it.

Rendering depends on the records only (no clock, no environment), so the same files always give
the same page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tf1repro.matrix import CHECK_NAMES, SUITE

MARK = {"passed": "✅", "failed": "❌", "not run": "—"}


class ResultError(ValueError):
    """A file given as a matrix result is not one."""


def load_results(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Read result records from files and folders (every ``*.json`` in a folder)."""
    records = []
    for path in paths:
        for file in sorted(path.glob("*.json")) if path.is_dir() else [path]:
            try:
                record = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise ResultError(f"{file}: cannot read a result: {error}") from None
            if not isinstance(record, dict) or not str(record.get("format", "")).startswith(
                "tf1repro.matrix/"
            ):
                raise ResultError(f"{file}: not a tf1repro matrix result")
            records.append(record)
    return sorted(records, key=_release_order)


def summary_line(record: dict[str, Any]) -> str:
    """One sentence a person (or a test) can read the verdict from."""
    release = record["release"]
    if "checks" not in record:
        return f"TensorFlow {release}: {record['outcome']}: {record.get('error', '')}".rstrip(": ")
    versions = record["versions"]
    head = (
        f"TensorFlow {versions['tensorflow']} (numpy {versions['numpy']}, "
        f"keras {versions['keras']})"
    )
    checks = _checks(record)
    failed = [name for name in CHECK_NAMES if checks[name]["outcome"] == "failed"]
    missing = [name for name in CHECK_NAMES if checks[name]["outcome"] == "not run"]
    if not failed and not missing:
        return f"{head}: all {len(CHECK_NAMES)} checks passed"
    parts = []
    if failed:
        parts.append(f"{len(failed)} of {len(CHECK_NAMES)} checks failed ({', '.join(failed)})")
    if missing:
        parts.append(f"not run: {', '.join(missing)}")
    return f"{head}: " + "; ".join(parts)


def render_markdown(records: Sequence[dict[str, Any]], title: str = "Compatibility") -> str:
    """The whole page: what each check proves, the table, then warnings and failures."""
    lines = [f"# {title}", ""]
    lines += [
        "Each TensorFlow release below was installed in its own Python "
        f"{_pythons(records)} virtualenv and ran tf1repro's fidelity suite "
        f"({_dates(records)}). A cell shows the tests that passed and the figures behind them "
        "(distances in float32 ulps at the problem's scale; 0 means bit-identical). "
        "*import s* is the wall time of one `import tensorflow` in a fresh process, an "
        "indication only; *TF stderr* counts the distinct lines TensorFlow printed (listed "
        "below).",
        "",
    ]
    lines += [f"- **{check.name}**: {check.proves}." for check in SUITE]
    lines += ["", _header(), "|" + "---|" * (6 + len(CHECK_NAMES))]
    lines += [_row(record) for record in records]
    lines += ["", "## Details", ""]
    for record in records:
        lines += _details(record)
    return "\n".join(lines).rstrip() + "\n"


def _header() -> str:
    columns = ["release", "TensorFlow", "NumPy", "Keras", "import s", *CHECK_NAMES, "TF stderr"]
    return "| " + " | ".join(columns) + " |"


def _row(record: dict[str, Any]) -> str:
    if "checks" not in record:
        blank = ["—"] * (3 + len(CHECK_NAMES) + 1)
        cells = [record["release"], f"**{record['outcome']}**", *blank]
        return "| " + " | ".join(cells) + " |"
    versions = record["versions"]
    cells = [
        record["release"],
        versions["tensorflow"],
        versions["numpy"],
        versions["keras"],
        f"{record['import_seconds']:.1f}",
        *(_cell(_checks(record)[name]) for name in CHECK_NAMES),
        _lines(len(record["warnings"])),
    ]
    return "| " + " | ".join(cells) + " |"


_NOT_RUN: dict[str, Any] = {
    "outcome": "not run",
    "passed": 0,
    "failed": 0,
    "skipped": 0,
    "figures": {},
    "failures": [],
}


def _checks(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The record's checks; a check added to the suite after the record was made is "not run"."""
    return {name: record["checks"].get(name, _NOT_RUN) for name in CHECK_NAMES}


def _cell(check: dict[str, Any]) -> str:
    ran = check["passed"] + check["failed"]
    if not ran:
        text = MARK["not run"]
    elif check["failed"]:
        text = f"{MARK['failed']} {check['failed']}/{ran} failed"
    else:
        text = f"{MARK['passed']} {check['passed']}/{ran}"
    figures = ", ".join(f"{name} {value:g}" for name, value in check["figures"].items())
    return f"{text}<br>{figures}" if figures else text


def _lines(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


def _details(record: dict[str, Any]) -> list[str]:
    lines = [f"### {record['release']}", "", summary_line(record) + ".", ""]
    if "checks" not in record:
        return lines
    lines.append(
        f"Suite time {record['seconds']:.0f} s. What TensorFlow printed on stderr while importing "
        "and running one TF1 graph (tf1repro hides this unless `--verbose`):"
    )
    lines += ["", "```text", *record["warnings"], "```", ""] if record["warnings"] else ["", ""]
    for name in CHECK_NAMES:
        for failure in _checks(record)[name]["failures"]:
            lines += [f"Failure in **{name}**:", "", "```text", failure, "```", ""]
    return lines


def _release_order(record: dict[str, Any]) -> tuple[int, ...]:
    # Numbered releases in version order, anything else (nightly) after them.
    numbers = re.findall(r"\d+", str(record.get("release", "")))
    if re.fullmatch(r"[\d.]+", str(record.get("release", ""))):
        return (0, *map(int, numbers))
    return (1,)


def _pythons(records: Sequence[dict[str, Any]]) -> str:
    found = sorted({r["versions"]["python"] for r in records if "versions" in r})
    return ", ".join(found) or "3"


def _dates(records: Sequence[dict[str, Any]]) -> str:
    dates = sorted({str(r["date"]) for r in records})
    if not dates:
        return "no runs"
    return f"run on {dates[0]}" if len(dates) == 1 else f"run {dates[0]} to {dates[-1]}"
