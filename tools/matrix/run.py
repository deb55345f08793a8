"""Run the fidelity suite on the installed TensorFlow and assemble one result record."""

from __future__ import annotations

import datetime
import math
import time
from pathlib import Path
from typing import Any

from tools.matrix import CHECK_NAMES, SUITE, checks_run
from tools.matrix.collect import CheckCollector
from tools.matrix.probe import ProbeError, probe_tensorflow

FORMAT = "tf1repro.matrix/1"

#: Everything but slow and Docker tests: the matrix-only tests belong to the suite.
MARKERS = "not slow and not docker"


def run_suite(
    tests_dir: Path, release: str | None = None, *, kernel_checks_only: bool = False
) -> dict[str, Any]:
    """Probe TensorFlow, run the suite's test files under ``tests_dir`` with pytest, measure.

    With ``kernel_checks_only``, only the checks whose outcome can depend on the CPU kernels
    (``Check.kernel_dependent``), for a release's second kernel path; the record says so.
    Returns the result record (see ``outcome``); pytest's own report goes to stdout.
    """
    import pytest

    start = time.perf_counter()
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    try:
        probe = probe_tensorflow()
    except ProbeError as error:
        return failed_result(release or "unknown", "import failed", str(error), today)

    collector = CheckCollector()
    names = checks_run(kernel_checks_only)
    files = [str(tests_dir / check.test_file) for check in SUITE if check.name in names]
    present = [path for path in files if Path(path).is_file()]
    # One test file that cannot be imported fails its check, not the whole suite.
    args = [*present, "-q", "-p", "no:cacheprovider", "--continue-on-collection-errors"]
    code = int(pytest.main([*args, "-m", MARKERS], [collector]))
    if code == pytest.ExitCode.INTERRUPTED:
        # pytest took the Ctrl-C and stopped: a partial suite is no result to write.
        raise KeyboardInterrupt
    # The figures come from the tests themselves (record_property): each golden is rerun once.
    checks = {name: tally.to_dict() for name, tally in collector.tallies.items() if name in names}
    for check in checks.values():
        check["figures"] = {name: _figure(value) for name, value in check["figures"].items()}

    tensorflow = probe.versions["tensorflow"]
    from tf1repro.kernel_path import detect_kernel_path

    record = {
        "format": FORMAT,
        "release": release or ".".join(tensorflow.split(".")[:2]),
        "date": today,
        "outcome": outcome(checks, names),
        "versions": probe.versions,
        "kernels": detect_kernel_path().label,
        "import_seconds": probe.import_seconds,
        "warnings": probe.warnings,
        "checks": checks,
        "pytest_exit": code,
        "seconds": round(time.perf_counter() - start, 1),
    }
    if kernel_checks_only:
        record["kernel_checks_only"] = True
    return record


def _figure(value: float) -> float | str:
    """A figure as strict JSON holds it: a finite number, or "nan", "inf", "-inf"."""
    return value if math.isfinite(value) else str(value)


def outcome(checks: dict[str, dict[str, Any]], names: tuple[str, ...] = CHECK_NAMES) -> str:
    """``passed`` when every check of ``names`` passed, ``failed`` when one failed, else
    ``incomplete`` (a check had no test that ran)."""
    states = [checks.get(name, {}).get("outcome", "not run") for name in names]
    if "failed" in states:
        return "failed"
    return "passed" if all(state == "passed" for state in states) else "incomplete"


def failed_result(release: str, outcome: str, error: str, date: str) -> dict[str, Any]:
    """The record of a release whose suite could not run at all (install or import failed)."""
    return {"format": FORMAT, "release": release, "date": date, "outcome": outcome, "error": error}
