"""``tf1repro.testing``: ``check_tutorial`` passes every built-in tutorial and a contributor's
file, and names the check each broken variant (tests/data/tutorials/broken.py) fails;
``assert_records_close`` names the quantity, the step and the distance.

Tolerances: the replays are checked at each tutorial's ``golden_tolerance_ulps``; every built-in
port measures 0 ulps, and so does the article's NumPy twin on x86-64, whose kernels' summation
order it mirrors (tests/test_eager.py, test_replay.py).
A value moved by k float32 steps (``np.nextafter``) inside the binade of its quantity's largest
magnitude is exactly k ulps at that quantity's scale, so the figure in the message is exact.

Every TF2 port is replayed in the one eager backend process of the module's fixture; one more
test starts three (a port that breaks the process, found among two).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import ROOT, run_python, with_values

from tf1repro import ParameterError, Record, Tutorial, load_tutorial, train, tutorial_names
from tf1repro.testing import (
    CHECKS,
    TutorialCheckError,
    TutorialReport,
    assert_records_close,
    check_tutorial,
    check_tutorials,
)

DATA = ROOT / "tests" / "data" / "tutorials"
LINE = f"{DATA / 'line.py'}:Line"
BROKEN = DATA / "broken.py"
#: Each broken variant, the check that must fail, and words its message must hold.
VARIANTS = {
    "BadDefault": ("config", "The 'momentum' parameter must be a finite float in the range"),
    "WrongShape": ("trains", "Cannot feed value of shape (8, 2)"),
    "Unseeded": ("determinism", "two trainings with seed 0 differ in feeds 'x'"),
    "Silent": ("log", "log() must return a list of str lines"),
    "NotPng": ("figures", "the figure 'loss.png' is not PNG bytes"),
    "ForgetfulTwin": ("numpy replay", "Records not within 0 ulps"),
    "WrongForward": ("eager replay", "Records not within 0 ulps"),
}
MISSING = str(DATA / "no_such_tutorial.py")


@pytest.fixture(scope="module")
def line_instance() -> Tutorial:
    """line.py's tutorial made directly, as a user's test would: it has no spec."""
    return type(load_tutorial(LINE))()


@pytest.fixture(scope="module")
def checked(line_instance: Tutorial) -> TutorialCheckError:
    """Every built-in tutorial, line.py (by its spec, and as an instance), each broken variant
    and a missing file, checked in one call (one eager backend process): it fails for the
    broken ones, and its ``reports`` are in the order of ``LABELS``."""
    given = [*tutorial_names(), LINE, line_instance, *(f"{BROKEN}:{name}" for name in VARIANTS)]
    with pytest.raises(TutorialCheckError) as caught:
        check_tutorials([*given, MISSING])
    return caught.value


#: How the tests name each tutorial of ``checked``, in order.
LABELS = [*tutorial_names(), "line", "line instance", *VARIANTS, "missing"]


def _report(error: TutorialCheckError, label: str) -> TutorialReport:
    return error.reports[LABELS.index(label)]


@pytest.mark.parametrize("label", [*tutorial_names(), "line", "line instance"])
def test_builtins_and_a_contributor_file_pass_every_check(
    checked: TutorialCheckError, label: str
) -> None:
    report = _report(checked, label)
    assert report.passed and report.failure is None, str(report)
    # Every check either ran and passed, or says why it does not apply; none is left out.
    ran = [check.name for check in report.checks]
    assert report.passed_checks == tuple(ran)
    assert sorted(ran + list(report.not_applicable)) == sorted(CHECKS)
    assert ran[:6] == ["loads", "config", "trains", "json round trip", "determinism", "log"]
    assert "eager replay" in ran  # every one of them has a TF2 port
    tutorial = load_tutorial(report.tutorial)
    assert ("numpy replay" in ran) == tutorial.has_twin
    assert ("figures" in ran) == (type(tutorial).figures is not Tutorial.figures)
    assert f"0 ulps from the graph (tolerance {tutorial.golden_tolerance_ulps:g} ulp" in (
        report.checks[-1].detail
    )


def test_a_short_run_lowers_what_must_not_exceed_the_steps(checked: TutorialCheckError) -> None:
    # 03-03 prints every 25 steps, which a 5-step config refuses: it prints every 5.
    config = _report(checked, "03-03").checks[1]
    assert config.detail == "defaults valid; the short run sets steps=5, log_every=5"
    assert _report(checked, "line").checks[1].detail == "defaults valid; the short run sets steps=5"


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_broken_variant_fails_its_own_check(checked: TutorialCheckError, variant: str) -> None:
    check, words = VARIANTS[variant]
    report = _report(checked, variant)
    assert report.tutorial == f"{BROKEN}:{variant}"
    assert report.failure is not None and report.failure.name == check, str(report)
    assert words in report.failure.detail
    # Every check before it passed, and none ran after it.
    assert report.checks[-1] is report.failure
    assert all(earlier.passed for earlier in report.checks[:-1])
    head = f"{BROKEN}:{variant}: check {check!r} failed: "
    assert any(line.startswith(head) and words in line for line in str(checked).splitlines())


def test_the_error_lists_every_failure_and_missing_files_fail_to_load(
    checked: TutorialCheckError,
) -> None:
    total = len(LABELS)
    assert (
        str(checked).splitlines()[0] == f"{len(VARIANTS) + 1} of {total} tutorials failed a check"
    )
    assert isinstance(checked, AssertionError)
    missing = _report(checked, "missing")
    assert [check.name for check in missing.checks] == ["loads"]
    assert "must be a tutorial name or an existing .py file" in missing.checks[0].detail


def test_a_port_that_breaks_the_eager_replay_is_found_among_several() -> None:
    # One replay of both fails on the port that returns no loss: each is replayed alone, and
    # only the broken one fails, with the eager backend's one-line reason.
    with pytest.raises(TutorialCheckError) as caught:
        check_tutorials([f"{BROKEN}:NoLoss", LINE])
    broken, line = caught.value.reports
    assert broken.failure is not None and broken.failure.name == "eager replay"
    assert "ParameterError" in broken.failure.detail
    assert "forward() returns its loss 'loss'" in broken.failure.detail
    assert line.passed and line.checks[-1].name == "eager replay"


def test_an_instance_is_checked_as_its_file_loads_it(
    checked: TutorialCheckError, line_instance: Tutorial
) -> None:
    report = _report(checked, "line instance")
    assert report.tutorial == LINE and report.passed
    assert report.not_applicable == {
        "figures": "figures() is not overridden",
        "numpy replay": "no NumPy twin",
    }
    assert "5 steps of W, b, loss with seed 0" in str(report)
    assert line_instance.spec == ""  # the given instance is left as it was


def test_check_tutorial_raises_naming_the_first_failed_check() -> None:
    with pytest.raises(AssertionError) as caught:
        check_tutorial(f"{BROKEN}:Unseeded")
    message = str(caught.value)
    assert message.startswith(f"{BROKEN}:Unseeded: check 'determinism' failed: ")
    assert "draw the data and the feeds from the rng argument only" in message
    (report,) = caught.value.reports  # type: ignore[attr-defined]
    assert [check.name for check in report.checks] == list(CHECKS[:5])


def test_tutorial_code_errors_are_chained() -> None:
    with pytest.raises(TutorialCheckError) as caught:
        check_tutorial(f"{BROKEN}:WrongShape")
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.reports[0].failure.error is caught.value.__cause__  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: check_tutorial("batch", steps=0), "steps"),
        (lambda: check_tutorial("batch", seed=-1), "seed"),
        (lambda: check_tutorial("batch", tolerance_ulps=float("nan")), "tolerance_ulps"),
        (lambda: check_tutorial(42), "tutorial"),  # type: ignore[arg-type]
        (lambda: check_tutorials("batch"), "tutorials"),
        (lambda: check_tutorials([]), "tutorials"),
    ],
)
def test_bad_arguments_are_parameter_errors(call: Any, name: str) -> None:
    with pytest.raises(ParameterError) as caught:
        call()
    assert caught.value.name == name


# --- assert_records_close ------------------------------------------------------------------


@pytest.fixture(scope="module")
def line_record() -> Record:
    tutorial = load_tutorial(LINE)
    return train(tutorial, tutorial.make_config(steps=6), seed=3)


def test_identical_records_pass(line_record: Record) -> None:
    copy = Record.from_dict(line_record.to_dict())
    assert_records_close(copy, line_record)
    assert_records_close(copy, line_record, ulps=0.0)


def test_a_value_three_ulps_away_is_named_with_its_step(line_record: Record) -> None:
    w = line_record.variables["W"].copy()
    # The largest |W| sets W's scale; moving it 3 float32 steps towards zero stays in its
    # binade (checked), so it is exactly 3 ulps at W's scale.
    index = np.unravel_index(int(np.argmax(np.abs(w))), w.shape)
    peak = w[index]
    moved = peak
    for _ in range(3):
        moved = np.nextafter(moved, np.float32(0))
    assert np.spacing(np.abs(moved)) == np.spacing(np.abs(peak))
    w[index] = moved
    actual = with_values(line_record, "variables", "W", w)
    step = int(index[0]) + 1

    with pytest.raises(AssertionError) as caught:
        assert_records_close(actual, line_record, ulps=2, err_msg="W after the port")
    lines = str(caught.value).splitlines()
    assert lines[0] == "Records not within 2 ulps (float32 ulps at each quantity's scale)"
    assert lines[1] == "W after the port"
    assert lines[2].startswith(f"Worst: 'W' at step {step}: 3 ulps (one ulp at its scale is ")
    assert lines[3] == f" actual:  {moved!s} (graph)"
    assert lines[4] == f" desired: {peak!s} (graph)"
    assert (
        lines[5] == f"Beyond the tolerance: 'W' 3 ulps at step {step}; first differing step {step}"
    )
    assert_records_close(actual, line_record, ulps=3)


def test_nan_and_inf_never_pass(line_record: Record) -> None:
    loss = line_record.fetches["loss"].copy()
    loss[1] = np.nan
    with_nan = with_values(line_record, "fetches", "loss", loss)
    # Not even against the very same NaN, at any tolerance.
    with pytest.raises(AssertionError, match=r"actual holds 'loss' = nan at step 2: it never"):
        assert_records_close(with_nan, with_nan, ulps=1e30)
    loss[1] = -np.inf
    with pytest.raises(AssertionError, match=r"desired holds 'loss' = -inf at step 2"):
        assert_records_close(line_record, with_values(line_record, "fetches", "loss", loss))


def test_records_of_different_inputs_fail_saying_so(line_record: Record) -> None:
    tutorial = load_tutorial(LINE)
    other = train(tutorial, tutorial.make_config(steps=6), seed=4)
    with pytest.raises(AssertionError, match=r"different inputs: their feeds 'x' differ"):
        assert_records_close(other, line_record, ulps=1e30)


@pytest.mark.parametrize("ulps", [-1.0, float("inf"), "0", True])
def test_a_bad_tolerance_is_a_parameter_error(line_record: Record, ulps: Any) -> None:
    with pytest.raises(ParameterError, match="The 'ulps' parameter must be"):
        assert_records_close(line_record, line_record, ulps=ulps)


def test_importing_the_helpers_does_not_import_tensorflow() -> None:
    probe = "import sys, tf1repro.testing; print('tensorflow' in sys.modules)"
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
