"""Golden runs: the installed TensorFlow reproduces the committed Runs bit for bit, and a
difference is reported as a readable diff.

The goldens in tests/golden are made by ``tf1repro golden --update`` (never by a test). Within
one TensorFlow release the graph is deterministic, so the tolerance is 0: equality of every bit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from tf1repro import Run, runtime
from tf1repro.cli import main
from tf1repro.golden import CASES, diff_runs, golden_files, label, rerun, ulps_at_value

GOLDEN_DIR = ROOT / "tests" / "golden"
GOLDENS = golden_files(GOLDEN_DIR)


def test_goldens_are_the_cases_and_record_their_versions() -> None:
    assert sorted(path.name for path in GOLDENS) == sorted(case.file_name for case in CASES)
    for path in GOLDENS:
        run = Run.load(path)
        assert run.backend == "graph"
        assert {"numpy", "tensorflow"} <= set(run.versions)


@pytest.mark.parametrize("path", GOLDENS, ids=[path.stem for path in GOLDENS])
def test_installed_tensorflow_reproduces_golden(path: Path) -> None:
    golden = Run.load(path)
    diff = diff_runs(golden, rerun(golden))
    assert diff is None, diff.render()


def _altered(source: Path, target: Path, step: int) -> None:
    """Copy a golden, move A at ``step`` by one float32 ulp and claim another TensorFlow made it."""
    data = Run.load(source).to_dict()
    a = np.float32(data["a"][step - 1])
    data["a"][step - 1] = float(np.nextafter(a, np.float32(np.inf)))
    data["versions"] = {"numpy": "1.0.0", "tensorflow": "2.0.0"}
    target.write_text(Run.from_dict(data).to_json(), encoding="utf-8")


def test_mismatch_is_reported_as_a_readable_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(GOLDEN_DIR / "stochastic-seed0.json", tmp_path)
    _altered(GOLDEN_DIR / "batch-bs20-seed1.json", tmp_path / "batch-bs20-seed1.json", step=37)
    golden = Run.load(tmp_path / "batch-bs20-seed1.json")

    assert main(["golden", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "equal    stochastic seed=0" in out
    assert "DIFFERS  batch seed=1 batch_size=20: first differing step 37 of 100" in out
    # Both values as printed float32, the distance (one ulp at the value; at A ≈ 7.8 that is
    # half a scale-ulp, the spacing near 10), and the versions on both sides.
    current = np.float32(Run.load(GOLDEN_DIR / "batch-bs20-seed1.json").a[36])
    assert f"A:    golden {np.float32(golden.a[36])!s:>12}  current {current!s:>12}" in out
    assert "Δ 0.5 ulp at the problem scale (1 ulp at the value)" in out
    assert "over all 100 steps: 1 value of A differs, worst by 0.5 ulp at step 37" in out
    versions = runtime.versions()
    assert (
        "golden made with numpy 1.0.0, tensorflow 2.0.0; current run with "
        f"numpy {versions['numpy']}, tensorflow {versions['tensorflow']}"
    ) in out
    assert out.splitlines()[-1].startswith("2 golden runs: 1 equal, 1 differ")


def test_initial_value_and_input_differences_are_named() -> None:
    golden = Run.load(GOLDEN_DIR / "stochastic-seed2.json")
    data = golden.to_dict()
    moved_a0 = Run.from_dict({**data, "a0": data["a0"] + 1.0})
    diff = diff_runs(golden, moved_a0)
    assert diff is not None and diff.step == 0 and diff.what == "A0"
    assert diff.render().startswith("stochastic seed=2: initial A differs (step 0)\n  A0:   golden")

    indices = [[(row[0] + 1) % 100] for row in data["indices"]]
    diff = diff_runs(golden, Run.from_dict({**data, "indices": indices}))
    assert diff is not None and diff.what == "inputs"
    assert "legacy RandomState stream changed" in diff.render()
    assert diff_runs(golden, Run.from_dict(data)) is None


def test_ulps_at_value_counts_float32_steps_across_zero() -> None:
    assert ulps_at_value(1.0, 1.0) == 0
    assert ulps_at_value(1.0, float(np.nextafter(np.float32(1), np.float32(2)))) == 1
    tiny = float(np.nextafter(np.float32(0), np.float32(1)))
    assert ulps_at_value(-tiny, tiny) == 2
    assert ulps_at_value(-0.0, 0.0) == 0


def test_update_writes_every_case_with_the_installed_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new"
    assert main(["golden", "--update", "--dir", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote {len(CASES)} golden runs (")
    assert sorted(p.name for p in out.iterdir()) == sorted(case.file_name for case in CASES)
    for case in CASES:
        run = Run.load(out / case.file_name)
        assert (run.trainer, run.seed, run.config) == (case.trainer, case.seed, case.config)
        assert run.versions == runtime.versions()
        assert label(run).startswith(f"{case.trainer} seed={case.seed}")


def test_bad_golden_dirs_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["golden", "--dir", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["golden", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tf1repro golden: error: --dir") and "holds no golden runs" in err
