"""What ``check_tutorial`` reports: the checks by name, each check's outcome, a tutorial's report
and the error that names the failed checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: Every check, in the order ``check_tutorial`` runs them.
CHECKS = (
    "loads",
    "config",
    "trains",
    "json round trip",
    "determinism",
    "log",
    "figures",
    "numpy replay",
    "eager replay",
)


@dataclass(frozen=True)
class Check:
    """One check of one tutorial: its name (one of ``CHECKS``), whether it passed, and what it
    found (what it measured, or why it failed)."""

    name: str
    passed: bool
    detail: str
    error: BaseException | None = field(default=None, compare=False, repr=False)
    """The exception the tutorial's own code raised, when that is why the check failed."""


@dataclass(frozen=True)
class TutorialReport:
    """The checks run on one tutorial, in order (they stop at the first failure), and the
    checks that do not apply to it, with the reason."""

    tutorial: str
    """The tutorial as the backends load it: its name, or ``path.py:Class``."""
    checks: tuple[Check, ...]
    not_applicable: Mapping[str, str]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failure(self) -> Check | None:
        """The check that failed, if one did."""
        return next((check for check in self.checks if not check.passed), None)

    @property
    def passed_checks(self) -> tuple[str, ...]:
        return tuple(check.name for check in self.checks if check.passed)

    def __str__(self) -> str:
        width = max(len(name) for name in CHECKS)
        lines = [self.tutorial]
        for check in self.checks:
            verdict = "pass" if check.passed else "FAIL"
            detail = check.detail.replace("\n", "\n" + " " * (width + 10))
            lines.append(f"  {verdict}  {check.name:<{width}}  {detail}")
        for name, reason in self.not_applicable.items():
            lines.append(f"  n/a   {name:<{width}}  {reason}")
        return "\n".join(lines)


class TutorialCheckError(AssertionError):
    """Some tutorial failed a check; the message names each such tutorial and its first failed
    check. ``reports`` holds every tutorial's report, the passing ones too."""

    def __init__(self, reports: Sequence[TutorialReport]) -> None:
        self.reports = tuple(reports)
        failed = [report for report in self.reports if report.failure is not None]
        lines = [
            f"{report.tutorial}: check {report.failure.name!r} failed: {report.failure.detail}"
            for report in failed
            if report.failure is not None
        ]
        if len(self.reports) > 1:
            lines.insert(0, f"{len(failed)} of {len(self.reports)} tutorials failed a check")
        super().__init__("\n".join(lines))
