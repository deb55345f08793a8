"""``python -m tools.matrix run --both-kernel-paths``: a release's two CPU kernel paths at once.

A miniature suite stands in for the real one (each test file notes which path ran it), so what
is checked is the orchestration: the environment each child gets, which checks each path runs,
the two result files, and that Ctrl-C leaves no process and no scratch behind. The real suite
runs this way in every nox session (noxfile.py) and in CI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, start_process

from tools.matrix import CHECK_NAMES, KERNEL_CHECK_NAMES, SUITE
from tools.matrix.cli import main
from tools.matrix.render import load_results, render_markdown, summary_line

#: Each miniature test notes its check and its path in $MARKS, then (if $PAUSE is set) waits.
MINIATURE = """
import os, time
from pathlib import Path

def test_notes_its_path():
    path = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")
    Path(os.environ["MARKS"], "{check}@" + path).touch()
    if os.environ.get("PAUSE"):
        time.sleep(float(os.environ["PAUSE"]))
"""


def miniature_suite(folder: Path) -> Path:
    tests = folder / "tests"
    (tests / "golden").mkdir(parents=True)
    for check in SUITE:
        text = textwrap.dedent(MINIATURE).replace("{check}", check.name.replace(" ", "_"))
        (tests / check.test_file).write_text(text, encoding="utf-8")
    return tests


def start(folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tools.matrix", "run", "--both-kernel-paths"]
    command += ["--tests", str(miniature_suite(folder)), "--release", "9.9"]
    command += ["--out", str(folder / "results" / "tf-9.9.json")]
    # The user's own setting must not leak into the default path. The tooling is the
    # checkout's: from tmp_path, the command finds it on PYTHONPATH.
    environment = {**os.environ, **env, "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONPATH": str(ROOT)}
    return start_process(command, cwd=folder, env=environment)


def test_both_paths_run_side_by_side_and_write_two_results(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    child = start(tmp_path, {"MARKS": str(marks)})
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, out + err
    assert err == ""
    # Every check on the default path; on the other, the kernel-dependent ones only.
    expected = {f"{name.replace(' ', '_')}@default" for name in CHECK_NAMES}
    expected |= {f"{name.replace(' ', '_')}@0" for name in KERNEL_CHECK_NAMES}
    assert {path.name for path in marks.iterdir()} == expected
    assert out.startswith("Running the suite on 2 kernel paths side by side: 9.9, 9.9-onednn-off")
    assert out.index("===== 9.9 (exit 0) =====") < out.index("===== 9.9-onednn-off (exit 0) =====")

    results = tmp_path / "results"
    assert sorted(path.name for path in results.iterdir()) == [
        "tf-9.9-onednn-off.json",
        "tf-9.9.json",
    ]
    default, off = load_results([results])
    assert (default["release"], default["outcome"]) == ("9.9", "passed")
    assert (off["release"], off["outcome"], off["kernel_checks_only"]) == (
        "9.9-onednn-off",
        "passed",
        True,
    )
    assert default["kernels"].startswith("onednn") and off["kernels"].startswith("eigen")
    assert set(off["checks"]) == set(KERNEL_CHECK_NAMES) < set(default["checks"])
    assert summary_line(off).endswith(
        "all 4 kernel-dependent checks passed (structure, quiet, initial values: on default path)"
    )
    page = render_markdown([default, off]).splitlines()
    row = next(line for line in page if line.startswith("| 9.9-onednn-off |"))
    assert row.count("on default path") == len(CHECK_NAMES) - len(KERNEL_CHECK_NAMES)


def _scratch() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("tf1repro-scratch-matrix-*")}


def test_ctrl_c_stops_both_paths_and_leaves_nothing(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    before = _scratch()
    child = start(tmp_path, {"MARKS": str(marks), "PAUSE": "600"})
    # Both paths are inside their first test (which waits) once both have left their mark.
    deadline = time.monotonic() + 300
    while len(list(marks.iterdir())) < 2:
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    group = os.getpgid(child.pid)
    os.kill(child.pid, signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 130, out + err
    assert err.count("\n") == 1 and "interrupted" in err.lower()
    # No result file, no scratch folder, and nothing left of either child's process group.
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())
    assert _scratch() <= before
    listing = subprocess.run(
        ["ps", "-eo", "pgid=,args="], capture_output=True, text=True, check=True
    ).stdout
    assert str(tmp_path / "tests") not in listing
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)


def test_both_paths_need_a_release_and_exclude_kernel_checks_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--both-kernel-paths"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--both-kernel-paths needs --release" in err
    argv = ["run", "--both-kernel-paths", "--kernel-checks-only", "--release", "2.21"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--kernel-checks-only is for one path" in err
