"""A pytest plugin that sorts test outcomes into the fidelity suite's checks.

Handed to ``pytest.main(plugins=[collector])``: pytest finds the hook methods by name, so this
module does not import pytest. A test belongs to the check whose test file it is in; a test
may add figures with pytest's ``record_property(name, number)`` (the worst value is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from tools.matrix import SUITE

#: How much of a failure's report a result file keeps (the end, where the assertion is).
FAILURE_CHARS = 2500


@dataclass
class CheckTally:
    """Test outcomes of one check."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if self.failed:
            return "failed"
        if self.passed:
            return "passed"
        return "not run"

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "figures": self.figures,
            "failures": self.failures,
        }


class CheckCollector:
    """Counts each test's outcome under its check (``tallies``, keyed by check name)."""

    def __init__(self) -> None:
        self._check_of_file = {check.test_file: check.name for check in SUITE}
        self.tallies = {check.name: CheckTally() for check in SUITE}

    def _tally(self, nodeid: str) -> CheckTally | None:
        name = self._check_of_file.get(PurePath(nodeid.split("::")[0]).name)
        return None if name is None else self.tallies[name]

    def pytest_collectreport(self, report: Any) -> None:
        # A test file that cannot even be imported fails its whole check.
        tally = self._tally(report.nodeid)
        if tally is not None and report.failed:
            tally.failed += 1
            tally.failures.append(_failure_text(report))

    def pytest_runtest_logreport(self, report: Any) -> None:
        tally = self._tally(report.nodeid)
        if tally is None:
            return
        if report.failed:
            # A test fails once, even if its teardown fails too.
            if not any(text.startswith(report.nodeid + "\n") for text in tally.failures):
                tally.failed += 1
                tally.failures.append(_failure_text(report))
        elif report.skipped:
            tally.skipped += 1
        elif report.when == "call":
            tally.passed += 1
        if report.when == "call":
            for name, value in report.user_properties:
                if isinstance(value, (int, float)):
                    tally.figures[name] = max(float(value), tally.figures.get(name, float(value)))


def _failure_text(report: Any) -> str:
    text = str(report.longreprtext)
    if len(text) > FAILURE_CHARS:
        text = "…" + text[-FAILURE_CHARS:]
    return f"{report.nodeid}\n{text}"
