"""Compare two printed logs number by number: same text around the numbers, and how close they are.

Two runs of one script (on two TensorFlow releases, or before and after a port) should print the
same lines; where the numbers differ, the largest relative difference says by how much.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Decimal numbers (with optional exponent), and nan/inf as NumPy prints them.
NUMBER = re.compile(
    r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|(?<![A-Za-z_])[-+]?(?:nan|inf)(?![A-Za-z_])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NumberDifference:
    """One pair of numbers and their relative difference."""

    line: int
    """1-based line number."""
    a: str
    b: str
    relative: float


@dataclass(frozen=True)
class LogDiff:
    lines: int
    """Lines compared (the common length when the counts differ)."""
    numbers: int
    """Numbers compared."""
    worst: NumberDifference | None
    """The pair with the largest relative difference (None when no number differs)."""
    text_mismatch: str | None
    """Why the logs cannot be matched number by number, when they cannot."""
    first: NumberDifference | None = None
    """The first pair that differs at all (None when no number differs)."""

    def identical_within(self, rtol: float) -> bool:
        """Same text, and every number pair within ``rtol`` relative difference."""
        if self.text_mismatch is not None:
            return False
        return self.worst is None or self.worst.relative <= rtol


def relative_difference(a: float, b: float) -> float:
    """``|a - b| / max(|a|, |b|)``: 0 for equal values (nan equals nan here), inf for inf."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def diff_logs(a: list[str], b: list[str]) -> LogDiff:
    """Match ``a`` and ``b`` line by line; compare the text outside numbers, then the numbers."""
    worst: NumberDifference | None = None
    first: NumberDifference | None = None
    count = 0
    mismatch = None
    for number, (line_a, line_b) in enumerate(zip(a, b, strict=False), start=1):
        if NUMBER.sub("#", line_a) != NUMBER.sub("#", line_b):
            mismatch = f"line {number} differs in its text: {line_a!r} vs {line_b!r}"
            break
        for text_a, text_b in zip(NUMBER.findall(line_a), NUMBER.findall(line_b), strict=True):
            count += 1
            relative = relative_difference(float(text_a), float(text_b))
            if relative > 0:
                difference = NumberDifference(number, text_a, text_b, relative)
                first = first or difference
                if worst is None or relative > worst.relative:
                    worst = difference
    if mismatch is None and len(a) != len(b):
        mismatch = f"the logs have {len(a)} and {len(b)} lines"
    return LogDiff(
        lines=min(len(a), len(b)), numbers=count, worst=worst, text_mismatch=mismatch, first=first
    )
