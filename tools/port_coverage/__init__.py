"""How much of a corpus of TF1 scripts ``tf1repro port`` ports: one row per script, as Markdown.

``python -m tools.port_coverage CORPUS... --out page.md`` runs ``tf1repro legacy check
--recursive`` over each corpus folder, ``tf1repro port --json`` on every script that ran ``ok``,
and, for a script ``port`` refused, ``tf1repro legacy run --record`` to learn whether it trains
at all. The table (script, status, worst ulps, reason) and its summary go to the page. The
corpora are public repositories that a checkout does not hold, so this is project tooling (not
in the wheel) and no test needs them: the tests give this module results made by hand.

This module holds what needs no TensorFlow and no child process: the rows, read from what the
commands printed, and the page.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: What ``port`` made of a script, best first; ``not run`` when ``legacy check`` did not run it
#: ``ok``, ``trains nothing`` when no ``Session.run`` updated a variable.
STATUSES = ("exact", "within", "differs", "unportable", "failed", "trains nothing", "not run")
#: The statuses that count as ported (the issue's goal: at least 80% of the scripts that train
#: with core ops).
PORTED = frozenset({"exact", "within"})
#: ``line 12: why`` in a refusal: the construct is ``why``.
_CONSTRUCT = re.compile(r"^line \d+: ")
#: Between two refusals (``line 3: a; line 9: b``); a ``;`` inside one refusal's ``why`` (``tf.nn
#: .dropout (one stream ...; not ported yet)``) is not followed by ``line N:``.
_NEXT_REFUSAL = re.compile(r"; (?=line \d+: )")


@dataclass(frozen=True)
class Row:
    """One script of a corpus and what ``port`` made of it."""

    script: str
    """Its path from its corpus folder's parent (``02_TensorFlow_Way/.../05_x.py``)."""
    status: str
    worst_ulps: float | None
    reason: str
    trains: bool | None
    """Whether a ``Session.run`` of it updated a variable (None: not known, it did not run)."""
    contrib: bool = False
    """Whether ``port`` refused it for ``tf.contrib`` (it does not train with core ops)."""


def check_row(script: str, run: dict[str, Any]) -> Row | None:
    """The row of a script that ``legacy check`` did not run ``ok`` (None when it did)."""
    if run.get("status") == "ok":
        return None
    kind = run.get("kind") or run.get("status") or "failed"
    return Row(script, "not run", None, f"{kind}: {one_line(run.get('reason') or '')}", None)


def port_row(script: str, code: int, stdout: str, stderr: str, trains: bool | None) -> Row:
    """The row of ``tf1repro port --json`` on ``script``: its exit ``code`` and output.

    Exit 2 is bad input (a script that trains nothing: the last line of stderr says so);
    otherwise stdout holds the JSON result, whose status is ``exact``, ``within``, ``differs``,
    ``unportable`` (one ``line N: why`` per construct) or ``failed``. ``trains`` is what the
    recorder said of a refused script (``port`` refuses before it runs it).
    """
    import json

    if code == 2:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "bad input"
        if "trains nothing" in last:
            return Row(script, "trains nothing", None, "no Session.run updated a variable", False)
        return Row(script, "failed", None, one_line(last), trains)
    result = json.loads(stdout)
    status = result["status"]
    if status not in STATUSES:
        raise ValueError(f"{script}: port printed the unknown status {status!r}")
    worst = result.get("worst_ulps")
    ulps = math.inf if worst == "inf" else (None if worst is None else float(worst))
    reason = one_line(result.get("reason") or "")
    if status == "unportable":
        return Row(script, status, None, reason, trains, contrib="tf.contrib" in reason)
    return Row(script, status, ulps, reason, True if status != "failed" else trains)


#: The longest reason a cell shows (a download's error runs to several hundred characters).
LONGEST_REASON = 200


def one_line(text: str) -> str:
    """``text`` on one line, for a table cell (a ``|`` would end the cell), cut at a word
    after ``LONGEST_REASON`` characters."""
    flat = " ".join(text.split())
    if len(flat) > LONGEST_REASON:
        flat = flat[:LONGEST_REASON].rpartition(" ")[0] + " …"
    return flat.replace("|", "\\|")


def constructs(rows: Sequence[Row]) -> Counter[str]:
    """Per refused construct, the number of scripts it stopped."""
    found: Counter[str] = Counter()
    for row in rows:
        if row.status == "unportable":
            parts = _NEXT_REFUSAL.split(row.reason)
            found.update({_CONSTRUCT.sub("", part) for part in parts})
    return found


@dataclass(frozen=True)
class Summary:
    """The table's numbers."""

    scripts: int
    ran: int
    """``legacy check`` ran them ``ok``."""
    trainers: int
    """Of those, the ones that train with core ops (no ``tf.contrib``)."""
    counts: dict[str, int]
    """Per status, over the trainers."""

    @property
    def ported(self) -> int:
        return sum(self.counts.get(status, 0) for status in PORTED)

    @property
    def share(self) -> float:
        """The ported share of the trainers (0 when there are none)."""
        return self.ported / self.trainers if self.trainers else 0.0


def summarise(rows: Sequence[Row]) -> Summary:
    """The numbers of ``rows``: how many ran, trained with core ops, and ported how."""
    ran = [row for row in rows if row.status != "not run"]
    trainers = [row for row in ran if row.trains is not False and not row.contrib]
    return Summary(len(rows), len(ran), len(trainers), dict(Counter(r.status for r in trainers)))


def ulps_cell(ulps: float | None) -> str:
    if ulps is None:
        return ""
    return "inf" if math.isinf(ulps) else f"{ulps:g}"


def render(
    rows: Sequence[Row], command: str, date: str, versions: dict[str, str], note: str = ""
) -> str:
    """The page: what made it (and ``note``, a paragraph on its data when given), the summary,
    the commonest refusals and the table."""
    summary = summarise(rows)
    made = ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))
    lines = [
        f"Made on {date} with {made} by:",
        "",
        "```bash",
        command,
        "```",
        "",
        *([note, ""] if note else []),
        f"{summary.scripts} scripts; `legacy check` runs {summary.ran} `ok`; "
        f"{summary.trainers} of those train with core ops, and {summary.ported} of them "
        f"({summary.share:.0%}) port `exact` or `within`.",
        "",
        "| status (scripts that train with core ops) | scripts |",
        "|---|---|",
        *(
            f"| {status} | {summary.counts[status]} |"
            for status in STATUSES
            if summary.counts.get(status)
        ),
        "",
    ]
    refused = constructs(rows)
    if refused:
        lines += ["| refused construct | scripts |", "|---|---|"]
        lines += [f"| {why} | {count} |" for why, count in refused.most_common()]
        lines.append("")
    lines += ["| script | status | worst ulps | reason |", "|---|---|---|---|"]
    for row in sorted(rows, key=lambda row: row.script):
        status = (
            row.status
            if row.trains is not False or row.status != "unportable"
            else ("unportable (trains nothing)")
        )
        lines.append(f"| `{row.script}` | {status} | {ulps_cell(row.worst_ulps)} | {row.reason} |")
    return "\n".join(lines) + "\n"
