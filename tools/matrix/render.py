"""Result records in, Markdown out: one table row per release, then the details behind it.

Rendering depends on the records only (no clock, no environment), so the same files always give
the same page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tf1repro.files import Fields, InputError, read_json
from tools.matrix import CHECK_NAMES, ON_DEFAULT_PATH, SUITE, checks_run

MARK = {"passed": "✅", "failed": "❌", "not run": "—"}

#: How a figure that is not a finite number is written in a result file (strict JSON has none).
NON_FINITE = ("nan", "inf", "-inf")

#: A result file is a few kB; anything much larger is not one.
RESULT_LIMIT = 16 * 1024 * 1024


def load_results(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Read result records from files and folders (every ``*.json`` in a folder).

    Raises ``InputError`` naming the file and the field when one is not a valid result.
    """
    records = []
    for path in paths:
        for file in sorted(path.glob("*.json")) if path.is_dir() else [path]:
            record = read_json(file, limit=RESULT_LIMIT)
            validate(record, file)
            records.append(record)
    return sorted(records, key=_release_order)


def validate(record: object, path: Path) -> None:
    """Raise ``InputError`` unless ``record`` has every field the renderer reads, typed right."""
    fields = Fields(record, path)
    if not (fields.has("format") and str(fields.data["format"]).startswith("tf1repro.matrix/")):
        raise InputError(path, "not a tf1repro matrix result (no tf1repro.matrix/ format)")
    fields.string("release")
    fields.string("date")
    fields.string("outcome")
    if not fields.has("checks"):
        if fields.has("error"):
            fields.string("error")
        return
    versions = fields.obj("versions")
    for name in ("tensorflow", "numpy", "keras", "python"):
        versions.string(name)
    fields.number("import_seconds")
    if fields.has("kernels"):
        fields.string("kernels")
    fields.number("seconds")
    if fields.has("kernel_checks_only"):
        fields.boolean("kernel_checks_only")
    _strings(fields, "warnings")
    checks = fields.obj("checks")
    for name in CHECK_NAMES:
        if checks.has(name):
            check = checks.obj(name)
            check.string("outcome", choices=MARK)
            for count in ("passed", "failed", "skipped"):
                check.integer(count, low=0)
            figures = check.obj("figures")
            for figure, value in figures.data.items():
                if isinstance(value, str) and value in NON_FINITE:
                    continue
                figures.number(figure)
            _strings(check, "failures")


def _strings(fields: Fields, name: str) -> None:
    for index, item in enumerate(fields.array(name)):
        if not isinstance(item, str):
            raise fields.error(f"{name}[{index}]", "must be a string")


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
    names = _names(record)
    failed = [name for name in names if checks[name]["outcome"] == "failed"]
    missing = [name for name in names if checks[name]["outcome"] == "not run"]
    kind = "kernel-dependent checks" if record.get("kernel_checks_only") else "checks"
    if not failed and not missing:
        text = f"{head}: all {len(names)} {kind} passed"
    else:
        parts = []
        if failed:
            parts.append(f"{len(failed)} of {len(names)} {kind} failed ({', '.join(failed)})")
        if missing:
            parts.append(f"not run: {', '.join(missing)}")
        text = f"{head}: " + "; ".join(parts)
    left = [name for name in CHECK_NAMES if name not in names]
    return f"{text} ({', '.join(left)}: {ON_DEFAULT_PATH})" if left else text


def _names(record: dict[str, Any]) -> tuple[str, ...]:
    """The checks a record's run was meant to run."""
    return checks_run(bool(record.get("kernel_checks_only")))


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
    lines += [
        f"- **{check.name}**: {check.proves}."
        + ("" if check.kernel_dependent else f" The same on every CPU kernel path: {_LEFT}.")
        for check in SUITE
    ]
    lines += ["", _header(), "|" + "---|" * (7 + len(CHECK_NAMES))]
    lines += [_row(record) for record in records]
    lines += ["", "## Details", ""]
    for record in records:
        lines += _details(record)
    return "\n".join(lines).rstrip() + "\n"


#: Characters of a record's text that Markdown would read as markup, and how each is written.
_MARKUP = str.maketrans(
    {
        "\\": "\\\\",
        "|": "\\|",
        "`": "\\`",
        "*": "\\*",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\r": " ",
        "\n": " ",
    }
)


def escape(value: object) -> str:
    """``value`` as text that reads as itself in a Markdown table cell or heading: a result file
    is input, and its ``|``, newline or ``<script>`` must neither break the table nor be markup.
    """
    return str(value).translate(_MARKUP)


def _header() -> str:
    columns = [
        "release",
        "TensorFlow",
        "NumPy",
        "Keras",
        "kernels",
        "import s",
        *CHECK_NAMES,
        "TF stderr",
    ]
    return "| " + " | ".join(columns) + " |"


def _row(record: dict[str, Any]) -> str:
    if "checks" not in record:
        blank = ["—"] * (4 + len(CHECK_NAMES) + 1)
        cells = [escape(record["release"]), f"**{escape(record['outcome'])}**", *blank]
        return "| " + " | ".join(cells) + " |"
    versions = record["versions"]
    cells = [
        escape(record["release"]),
        escape(versions["tensorflow"]),
        escape(versions["numpy"]),
        escape(versions["keras"]),
        # Which CPU kernels ran (tf1repro.kernel_path); results made before it was recorded: —.
        escape(record.get("kernels", "—")),
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


#: What a kernel-independent check's description says about a second kernel path's row.
_LEFT = f"a release's second path shows it as *{ON_DEFAULT_PATH}*"
#: A check that a release's second kernel path leaves to its default path.
_ON_DEFAULT: dict[str, Any] = {**_NOT_RUN, "on_default_path": True}


def _checks(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The record's checks; a check added to the suite after the record was made is "not run"."""
    names = _names(record)
    return {
        name: record["checks"].get(name, _NOT_RUN if name in names else _ON_DEFAULT)
        for name in CHECK_NAMES
    }


def _cell(check: dict[str, Any]) -> str:
    ran = check["passed"] + check["failed"]
    if check.get("on_default_path"):
        text = ON_DEFAULT_PATH
    elif not ran:
        text = MARK["not run"]
    elif check["failed"]:
        text = f"{MARK['failed']} {check['failed']}/{ran} failed"
    else:
        text = f"{MARK['passed']} {check['passed']}/{ran}"
    figures = ", ".join(
        f"{escape(name)} {escape(value) if isinstance(value, str) else format(value, 'g')}"
        for name, value in check["figures"].items()
    )
    return f"{text}<br>{figures}" if figures else text


def _lines(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


def _details(record: dict[str, Any]) -> list[str]:
    lines = [f"### {escape(record['release'])}", "", escape(summary_line(record)) + ".", ""]
    if "checks" not in record:
        return lines
    lines.append(
        f"Suite time {record['seconds']:.0f} s. What TensorFlow printed on stderr while importing "
        "and running one TF1 graph (tf1repro hides this unless `--verbose`):"
    )
    warnings = record["warnings"]
    lines += ["", *_code_block(warnings), ""] if warnings else ["", ""]
    for name in CHECK_NAMES:
        for failure in _checks(record)[name]["failures"]:
            lines += [f"Failure in **{name}**:", "", *_code_block([failure]), ""]
    return lines


def _code_block(texts: Sequence[str]) -> list[str]:
    """``texts`` verbatim, in a fence longer than any run of backticks in them (which would
    end a shorter one)."""
    longest = max((len(run) for text in texts for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *texts, fence]


def _release_order(record: dict[str, Any]) -> tuple[int, ...]:
    # Numbered releases in version order, anything else (nightly) after them; a release's
    # oneDNN-off run (label "2.21-onednn-off") right after its default one.
    release = str(record.get("release", ""))
    base, _, variant = release.partition("-")
    if re.fullmatch(r"[\d.]+", base):
        return (0, *map(int, re.findall(r"\d+", base)), 1 if variant else 0)
    return (1, 1 if variant else 0)


def _pythons(records: Sequence[dict[str, Any]]) -> str:
    found = sorted({r["versions"]["python"] for r in records if "versions" in r})
    return ", ".join(found) or "3"


def _dates(records: Sequence[dict[str, Any]]) -> str:
    dates = sorted({str(r["date"]) for r in records})
    if not dates:
        return "no runs"
    return f"run on {dates[0]}" if len(dates) == 1 else f"run {dates[0]} to {dates[-1]}"
