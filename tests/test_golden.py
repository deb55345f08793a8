"""Golden runs: the installed TensorFlow reproduces the committed records bit for bit, and a
difference is reported as a readable diff.

The goldens in tests/golden are made by ``tf1repro golden --update`` (never by a test). Within
one TensorFlow release the graph is deterministic, so the tolerance is 0 ulps: equality of every
bit of every feed, initial value, variable and fetch.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, with_values

from tf1repro import Record, load_tutorial, runtime
from tf1repro.cli import main
from tf1repro.compare import compare_records, scale_ulp
from tf1repro.files import MANIFEST
from tf1repro.golden import (
    cases,
    diff_records,
    golden_files,
    label,
    rerun,
    same_origin,
    ulps_at_value,
)
from tf1repro.record import load_record
from tf1repro.tutorial import tutorial_names

GOLDEN_DIR = ROOT / "tests" / "golden"
GOLDENS = golden_files(GOLDEN_DIR)
CASES = cases()


def test_goldens_are_the_cases_and_record_their_versions() -> None:
    # Every built-in tutorial keeps goldens, each case in a file of its own.
    names = [case.file_name for case in CASES]
    assert len(names) == len(set(names))
    assert {case.name for case in CASES} == set(tutorial_names())
    assert sorted(path.name for path in GOLDENS) == sorted(case.file_name for case in CASES)
    by_file = {case.file_name: case for case in CASES}
    for path in GOLDENS:
        record = load_record(path)
        case = by_file[path.name]
        config = load_tutorial(case.tutorial).make_config(**case.overrides)
        assert (record.tutorial, record.seed, record.config) == (
            case.tutorial,
            case.seed,
            config.to_dict(),
        )
        assert record.backend == "graph"
        assert {"numpy", "tensorflow"} <= set(record.versions)


def test_hidden_files_are_not_goldens(tmp_path: Path) -> None:
    shutil.copy(GOLDEN_DIR / "stochastic-seed0.json", tmp_path)
    (tmp_path / MANIFEST).write_text("{}")
    (tmp_path / "notes.txt").write_text("not a record")
    assert golden_files(tmp_path) == [tmp_path / "stochastic-seed0.json"]


#: Goldens checked on another CPU kernel path than the one that made them (the matrix runs every
#: release with oneDNN on and off, see tf1repro.kernel_path): MatMul's gradient then fuses, or
#: rounds, each product differently, measured on TF 2.21 at most 1 ulp of A and 2 of the loss
#: at their own scales. The difference must be reported, naming both paths, and stay this close
#: (or within the tutorial's own stated tolerance, for one that diverges by design).
OTHER_PATH_TOLERANCE = 2.0


@pytest.mark.parametrize("path", GOLDENS, ids=[path.stem for path in GOLDENS])
def test_installed_tensorflow_reproduces_golden(path: Path, record_property: Any) -> None:
    golden = load_record(path)
    current = rerun(golden)
    diff = diff_records(golden, current)
    comparison = compare_records(golden, current)
    if golden.same_inputs(current) is None:
        # The matrix reports the worst distance over the goldens (record_property).
        record_property("worst ulp", comparison.worst)
    if diff is None:
        # Bit for bit by the comparison too: no quantity has a first differing step.
        assert comparison.first_step is None
        return
    same_path = golden.platform.get("kernels") == current.platform.get("kernels")
    # On the release, kernel path and CPU vendor that made it, a golden is reproduced bit for bit.
    assert not same_origin(golden, current), diff.render()
    tutorial = load_tutorial(golden.tutorial)
    allowed = max(tutorial.golden_tolerance_ulps, 0.0 if same_path else OTHER_PATH_TOLERANCE)
    assert comparison.worst <= allowed, diff.render()
    if tutorial.golden_tolerance_ulps:
        assert tutorial.golden_tolerance_reason, "a tolerance needs its measured reason"
    if not same_path:
        text = diff.render()
        assert f"(kernels {golden.platform['kernels']})" in text
        assert f"(kernels {current.platform['kernels']})" in text


def _altered(source: Path, target: Path, step: int) -> Record:
    """Copy a golden, move A at ``step`` by one float32 ulp and claim another TensorFlow made it."""
    golden = load_record(source)
    a = golden.variables["A"].copy()
    a[step - 1] = np.nextafter(a[step - 1], np.float32(np.inf))
    data = with_values(golden, "variables", "A", a).to_dict()
    data["versions"] = {"numpy": "1.0.0", "tensorflow": "2.0.0"}
    altered = Record.from_dict(data)
    target.write_text(altered.to_json(), encoding="utf-8")
    return altered


def test_mismatch_is_reported_as_a_readable_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Stochastic goldens: no MatMul, so the same bits on either CPU kernel path, and the
    # matrix's oneDNN-off run sees the very diff the default run sees.
    shutil.copy(GOLDEN_DIR / "stochastic-seed0.json", tmp_path)
    source = GOLDEN_DIR / "stochastic-seed1.json"
    golden = _altered(source, tmp_path / "stochastic-seed1.json", step=17)

    assert main(["golden", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "equal    stochastic seed=0" in out
    assert "DIFFERS  stochastic seed=1: first differing step 17 of 100" in out
    # Both values as printed float32, and the distance: one ulp at the value, which at A ≈ 5.1
    # (in [4, 8)) is half a scale-ulp, the spacing of float32 at A's largest value (in [8, 16)).
    current = np.float32(load_record(source).variables["A"][16, 0])
    moved = np.float32(golden.variables["A"][16, 0])
    assert 4 <= current < 8 <= float(np.abs(golden.variables["A"]).max()) < 16
    assert f"A:     golden {moved!s:>12}  current {current!s:>12}  Δ 0.5 ulp at its scale" in out
    assert "(1 ulp at the value)" in out
    assert "A over all 100 steps: 1 step differs, worst by 0.5 ulp at step 17" in out
    # The loss at step 17 was not touched: shown, at a distance of 0.
    loss = np.float32(golden.fetches["loss"][16, 0])
    assert f"loss:  golden {loss!s:>12}  current {loss!s:>12}  Δ 0 ulp" in out
    assert "loss over all" not in out
    versions = runtime.versions()
    kernels = golden.platform["kernels"]
    assert (
        f"golden made with numpy 1.0.0, tensorflow 2.0.0 (kernels {kernels}); current run with "
        f"numpy {versions['numpy']}, tensorflow {versions['tensorflow']} (kernels "
    ) in out
    assert out.splitlines()[-1].startswith("2 golden runs: 1 equal, 1 differ")


def test_summary_distance_is_the_comparisons() -> None:
    # The diff's "worst by" is in the same unit as compare_records: scale-ulps of the quantity.
    golden = load_record(GOLDEN_DIR / "stochastic-seed1.json")
    a = golden.variables["A"].copy()
    unit = scale_ulp(a)
    a[-1] = a[-1] + np.float32(3 * unit)
    moved = with_values(golden, "variables", "A", a)
    diff = diff_records(golden, moved)
    assert diff is not None and diff.what == "steps" and diff.step == golden.steps
    ulps = compare_records(golden, moved).deviation("A").ulps
    assert ulps == 3
    assert f"worst by {ulps:g} ulp at step {golden.steps}" in diff.render()


def test_initial_value_and_input_differences_are_named() -> None:
    golden = load_record(GOLDEN_DIR / "stochastic-seed2.json")
    moved_a0 = with_values(golden, "initial", "A", golden.initial["A"] + np.float32(1))
    diff = diff_records(golden, moved_a0)
    assert diff is not None and diff.step == 0 and diff.what == "initial"
    rendered = diff.render()
    assert rendered.startswith("stochastic seed=2: initial values differ (step 0)\n  A0:    golden")

    x = golden.feeds["x"].copy()
    x[10] = np.nextafter(x[10], np.float32(np.inf))
    diff = diff_records(golden, with_values(golden, "feeds", "x", x))
    assert diff is not None and diff.what == "feeds" and diff.step == 0
    assert "legacy RandomState stream changed" in diff.render()
    assert diff_records(golden, Record.from_dict(golden.to_dict())) is None


def test_a_golden_is_only_diffed_against_its_own_config() -> None:
    golden = load_record(GOLDEN_DIR / "batch-bs1-seed0.json")
    other = load_record(GOLDEN_DIR / "batch-bs100-seed0.json")
    assert label(golden) == "batch seed=0 batch_size=1"
    with pytest.raises(ValueError, match="its own tutorial and config"):
        diff_records(golden, other)


def test_ulps_at_value_counts_float32_steps_across_zero() -> None:
    assert ulps_at_value(1.0, 1.0) == 0
    assert ulps_at_value(1.0, float(np.nextafter(np.float32(1), np.float32(2)))) == 1
    tiny = float(np.nextafter(np.float32(0), np.float32(1)))
    assert ulps_at_value(-tiny, tiny) == 2
    assert ulps_at_value(-0.0, 0.0) == 0
    assert ulps_at_value(-1.0, 1.0) == 2 * int(np.float32(1).view(np.int32))


#: What the update test remakes: the article's batch trainer (several configs per seed) and an
#: iris tutorial with two variables. Every case goes through the same loop, and the committed
#: goldens, made by ``--update``, are each reproduced above: a subset keeps the test quick.
UPDATED = ("batch", "02-07-setosa")


def test_update_writes_the_cases_with_the_installed_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new"
    chosen = cases([load_tutorial(name) for name in UPDATED])
    assert len({case.name for case in chosen}) == 2 and len(chosen) > 2
    assert main(["golden", "--update", *UPDATED, "--dir", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote {len(chosen)} golden runs (")
    assert sorted(p.name for p in golden_files(out)) == sorted(case.file_name for case in chosen)
    assert (out / MANIFEST).is_file()
    for case in chosen:
        record = load_record(out / case.file_name)
        config = load_tutorial(case.tutorial).make_config(**case.overrides)
        assert (record.tutorial, record.seed, record.config) == (
            case.tutorial,
            case.seed,
            config.to_dict(),
        )
        assert record.versions == runtime.versions()
        assert label(record).startswith(f"{case.name} seed={case.seed}")
    # What --update wrote is what the check then reproduces: every golden equal.
    assert main(["golden", "--dir", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith(f"{len(chosen)} golden runs: {len(chosen)} equal, 0 differ")


def test_bad_golden_dirs_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["golden", "--dir", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a folder of golden runs" in err
    assert main(["golden", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tf1repro golden: error: --dir") and "holds no golden runs" in err
    assert main(["golden", "stochastic", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TUTORIAL arguments are for --update" in err
    (tmp_path / "broken.json").write_text("{")
    assert main(["golden", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.json" in err
    # A bad value inside a golden is that file's field, not an option the user never gave.
    (tmp_path / "broken.json").unlink()
    for field, value, problem in (
        ("steps", 0, "field 'config.steps': must be an int in the range [1, 1000000], got 0"),
        ("bogus", 1, "field 'config.bogus': must be one of the fields"),
    ):
        data = json.loads(GOLDENS[0].read_text())
        data["config"][field] = value
        (tmp_path / "bad.json").write_text(json.dumps(data))
        assert main(["golden", "--dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"tf1repro golden: error: {tmp_path / 'bad.json'}: {problem}"), err
        assert err.count("\n") == 1


def test_a_stated_tolerance_passes_another_release_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 02-07-setosa states 2 ulps across releases and CPUs (measured). A golden "made by
    # another release" 2 ulps away passes as "within", with its size; 3 ulps away it differs.
    # The altered golden is this machine's own run, so that only the step moved here differs
    # (the stored golden may itself be a tolerated distance away on another CPU).
    source = GOLDEN_DIR / "02-07-setosa-steps200-seed0.json"
    golden = rerun(load_record(source))
    tutorial = load_tutorial(golden.tutorial)
    assert tutorial.golden_tolerance_ulps == 2 and tutorial.golden_tolerance_reason
    b = golden.variables["b"].copy()
    unit = scale_ulp(b)
    for moved, expected in ((2, 0), (3, 1)):
        shifted = b.copy()
        shifted[150] = shifted[150] + np.float32(moved * unit)
        data = with_values(golden, "variables", "b", shifted).to_dict()
        data["versions"] = {**data["versions"], "tensorflow": "2.0.0"}
        (tmp_path / source.name).write_text(Record.from_dict(data).to_json(), encoding="utf-8")
        assert main(["golden", "--dir", str(tmp_path)]) == expected
        out = capsys.readouterr().out
        if expected == 0:
            assert out.startswith("within   02-07-setosa seed=0 steps=200: first differing step")
            assert "tolerated: 2 ulps, within the tutorial's 2 on another release" in out
            assert "1 golden runs: 0 equal, 1 within tolerance, 0 differ" in out
        else:
            assert out.startswith("DIFFERS  02-07-setosa seed=0 steps=200")
            assert "1 golden runs: 0 equal, 1 differ" in out
