"""Where a legacy script runs and what may outlive it: the working copy of its folder, the files
it writes, its death with the parent (SIGKILL, SIGTERM, Ctrl-C), ``--python`` checks and
``legacy matrix`` over interpreters. The scripts here import no TensorFlow, so each is fast."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, RUNNER_FOLDER, alive, start_process

from tf1repro import files
from tf1repro.cli import main
from tf1repro.legacy import run_script, sandbox

#: A bound, not a speed claim: ``check`` starts its scripts from a preloaded interpreter that
#: imports TensorFlow first, which took about a minute on a loaded 2-core machine.
START_SECONDS = 300.0


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary folder of this test's own, for this process and the ones it starts, so
    that what runs leave there (scratch folders) can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def scratch_folders(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir() if entry.name.startswith("tf1repro-"))


def test_script_reads_its_siblings_and_writes_only_into_its_run(
    tmp_path: Path, scratch: Path
) -> None:
    folder = tmp_path / "tutorial"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "moves.csv").write_text("1,2\n")
    (folder / "notes.txt").write_text("old\n")
    script = folder / "train.py"
    script.write_text(
        "import os\n"
        "print(open('data/moves.csv').read().strip(), open('notes.txt').read().strip())\n"
        "os.makedirs('temp/logs', exist_ok=True)\n"
        "open('temp/logs/events.txt', 'w').write('step 1\\n')\n"
        "open('notes.txt', 'a').write('new\\n')\n"
        "print(os.getcwd() != os.path.dirname(os.path.abspath('x')) or 'same')\n"
    )
    before = sorted(path.relative_to(folder) for path in folder.rglob("*"))
    out = tmp_path / "run"

    run = run_script(script, out)
    assert run.status == "ok", run.reason
    assert (out / "stdout.txt").read_text().splitlines()[0] == "1,2 old"
    assert run.files == ["notes.txt", "temp/logs/events.txt"]
    assert (out / "files" / "temp" / "logs" / "events.txt").read_text() == "step 1\n"
    assert (out / "files" / "notes.txt").read_text() == "old\nnew\n"
    # The script's folder is as it was; no scratch folder is left, the run folder is one set.
    assert sorted(path.relative_to(folder) for path in folder.rglob("*")) == before
    assert (folder / "notes.txt").read_text() == "old\n"
    assert scratch_folders(scratch) == []
    manifest = files.read_json(out / files.MANIFEST)["files"]
    assert manifest == sorted(
        ["files/notes.txt", "files/temp/logs/events.txt", "run.json", "stderr.txt", "stdout.txt"]
        + (["tensorflow.log"] if (out / "tensorflow.log").exists() else [])
    )

    # A second run that writes less leaves no file of the first one behind.
    script.write_text("open('other.txt', 'w').write('x')\n")
    again = run_script(script, out)
    assert again.files == ["other.txt"]
    assert sorted(p.relative_to(out / "files").as_posix() for p in (out / "files").rglob("*")) == [
        "other.txt"
    ]


def test_run_folders_inside_the_scripts_folder_are_not_copied(tmp_path: Path) -> None:
    """The default --out (legacy-runs/...) often sits in the script's own folder."""
    script = tmp_path / "s.py"
    script.write_text("import os\nprint(sorted(os.listdir('.')))\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    out = tmp_path / "legacy-runs" / "s"
    run_script(script, out)
    run_script(script, out)  # the first run's folder is not copied into the second
    assert (out / "stdout.txt").read_text() == "['s.py']\n"


def test_large_files_are_linked_not_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "COPY_FILE_LIMIT", 10)
    (tmp_path / "big.bin").write_bytes(b"x" * 11)
    (tmp_path / "small.txt").write_text("tiny")
    copy = sandbox.make_working_copy(tmp_path, tmp_path.parent / f"{tmp_path.name}-work")
    assert copy.linked == ["big.bin"]
    assert (copy.work / "big.bin").is_symlink() and not (copy.work / "small.txt").is_symlink()
    assert (copy.work / "big.bin").read_bytes() == b"x" * 11
    assert copy.written() == []


# -- the script dies with its parent ---------------------------------------------------------

HANGING = (
    "import os, subprocess, sys, time\n"
    "helper = subprocess.Popen(['sleep', '600'])\n"
    "open(sys.argv[1] + '.tmp', 'w').write(f'{os.getpid()} {os.getpgrp()} {helper.pid}')\n"
    "os.replace(sys.argv[1] + '.tmp', sys.argv[1])\n"
    "time.sleep(600)\n"
)


def _start_hanging_run(
    tmp_path: Path, command: str = "run"
) -> tuple[subprocess.Popen[str], list[int], Path]:
    """``tf1repro legacy run`` (or ``check --jobs 2``) of scripts that hang with a child each;
    returns the parent, the pids of every process the scripts started, and the run folder."""
    folder = tmp_path / "scripts"
    folder.mkdir()
    out = tmp_path / "out"
    names = ["hang.py"] if command == "run" else ["hang_a.py", "hang_b.py"]
    for name in names:
        # The pid file is written next to the real script folder: an absolute path.
        (folder / name).write_text(HANGING.replace("sys.argv[1]", repr(str(tmp_path / name))))
    if command == "run":
        argv = ["legacy", "run", str(folder / "hang.py"), "--out", str(out)]
    else:
        argv = ["legacy", "check", str(folder), "--jobs", "2", "--out", str(out)]
    parent = start_process([sys.executable, "-m", "tf1repro", *argv])
    pids: list[int] = []
    deadline = time.monotonic() + START_SECONDS
    for name in names:
        pid_file = tmp_path / name
        while not pid_file.is_file():
            assert time.monotonic() < deadline, "the script did not start"
            assert parent.poll() is None, parent.communicate()
            time.sleep(0.05)
        pid, group, helper = map(int, pid_file.read_text().split())
        assert group == pid  # the script leads its own process group
        pids += [pid, helper]
    return parent, pids, out


def _gone(pids: list[int], timeout: float = 10.0) -> bool:
    """Whether every pid is dead (a zombie counts as dead) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _no_scratch(folder: Path, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not scratch_folders(folder):
            return True
        time.sleep(0.05)
    return False


def test_sigkill_of_the_parent_takes_the_script_and_its_children(
    tmp_path: Path, scratch: Path
) -> None:
    parent, pids, out = _start_hanging_run(tmp_path)
    assert scratch_folders(scratch)  # the run's scratch folder is where the test looks
    parent.kill()
    parent.communicate()
    assert _gone(pids), "the script or its child outlived a SIGKILLed parent"
    assert _no_scratch(scratch), scratch_folders(scratch)
    assert not out.exists()


@pytest.mark.parametrize(
    ("signum", "name"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")]
)
@pytest.mark.parametrize("command", ["run", "check"])
def test_sigterm_and_ctrl_c_stop_everything_and_write_nothing(
    tmp_path: Path, signum: int, name: str, command: str
) -> None:
    parent, pids, out = _start_hanging_run(tmp_path, command)
    parent.send_signal(signum)
    stdout, stderr = parent.communicate(timeout=30)
    assert parent.returncode == 128 + signum
    assert stderr.count("\n") == 1 and f"stopped by {name}" in stderr, stderr
    assert stdout == ""
    assert _gone(pids)
    assert not out.exists(), list(out.rglob("*"))


# -- run folders are checked before any script runs -------------------------------------------


@pytest.mark.parametrize(
    ("command", "prepare", "message"),
    [
        ("run", "file", "--out '{out}' is not a folder (regular file)"),
        ("run", "foreign", "--out '{out}' holds 'mine' (folder), which is not one of tf1repro's"),
        ("run", "empty", "--out '' is empty; name a file or folder"),
        ("run", "data-dir", "--data-dir '' is not a folder"),
        ("check", "file", "--out '{out}/a' cannot be created: {out} is a regular file"),
        ("check", "dangling", "--out '{out}/b' is a symbolic link that leads nowhere"),
        ("check", "empty", "--out must name a folder; got ''"),
        ("matrix", "empty", "--out must name a folder; got ''"),
        ("matrix", "file", "--out '{out}/tf-a/a' cannot be created: {out} is a regular file"),
    ],
)
def test_run_folders_are_checked_before_any_script_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, prepare: str, message: str
) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    marker = tmp_path / "ran"
    for name in ("a.py", "b.py"):
        (folder / name).write_text(f"open({str(marker)!r}, 'a').write('x')\n")
    out = tmp_path / "out"
    if prepare == "file":
        out.write_text("a file")
    elif prepare == "foreign":
        (out / "mine").mkdir(parents=True)
    elif prepare == "dangling":
        out.mkdir()
        (out / "b").symlink_to(tmp_path / "nowhere")
    given = "" if prepare == "empty" else str(out)
    target = str(folder / "a.py") if command == "run" else str(folder)
    argv = ["legacy", command, target, "--out", given]
    if prepare == "data-dir":
        argv += ["--data-dir", ""]
    if command == "check":
        argv.append("--fresh")
    if command == "matrix":
        argv += ["--python", f"a={sys.executable}", "--python", f"b={sys.executable}"]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message.format(out=out) in error, error
    assert not marker.exists()  # no script ran


# -- a kill while the run folder is published ------------------------------------------------

# A parent that runs one script and SIGKILLs itself right after the N-th file-system call of
# the run folder's publish (the calls before it, the run itself, are not counted).
PUBLISH_KILLER = r"""
import os, signal, sys
from pathlib import Path
from tf1repro import files
from tf1repro.files import publishing
from tf1repro.legacy import run_script

kill_at, script, out = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
calls, counting = 0, False

def counted(function):
    def wrapper(*args, **kwargs):
        global calls
        result = function(*args, **kwargs)
        if counting:
            calls += 1
            if calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapper

for name in ("fsync", "replace", "rename", "link", "unlink", "rmdir", "mkdir", "symlink"):
    setattr(os, name, counted(getattr(os, name)))
publishing._rename_exchange = counted(publishing._rename_exchange)
real_publish = files.publish

def publish(*args, **kwargs):
    global counting
    counting = True
    try:
        return real_publish(*args, **kwargs)
    finally:
        counting = False

files.publish = publish
run_script(script, out)
print(calls)
"""

OLD_RUN = "import os\nprint('old')\nopen('a.txt', 'w').write('old file')\n"
NEW_RUN = (
    "import os\nprint('new')\nos.makedirs('b', exist_ok=True)\n"
    "open('b/c.txt', 'w').write('new file')\n"
)


def _run_folder_state(out: Path) -> str:
    """``old`` or ``new`` when ``out`` holds exactly that run's files (and the user's notes)."""
    names = sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if not path.is_dir())
    assert (out / "notes.txt").read_text() == "the user's"
    record = files.read_json(out / "run.json")
    manifest = files.read_json(out / files.MANIFEST)["files"]
    assert sorted([*manifest, files.MANIFEST, "notes.txt"]) == names
    stdout = (out / "stdout.txt").read_text()
    if stdout == "old\n":
        assert record["files"] == ["a.txt"]
        assert (out / "files" / "a.txt").read_text() == "old file"
        assert not (out / "files" / "b").exists()
        return "old"
    assert stdout == "new\n", stdout
    assert record["files"] == ["b/c.txt"]
    assert (out / "files" / "b" / "c.txt").read_text() == "new file"
    assert not (out / "files" / "a.txt").exists()
    return "new"


def test_a_kill_at_any_call_of_the_run_folders_publish_leaves_the_old_run_or_the_new(
    tmp_path: Path, scratch: Path
) -> None:
    script = tmp_path / "scripts" / "s.py"
    script.parent.mkdir()
    script.write_text(OLD_RUN)
    old = tmp_path / "old"
    assert run_script(script, old).status == "ok"
    (old / "notes.txt").write_text("the user's")
    script.write_text(NEW_RUN)
    outcomes = set()
    for kill_at in range(1, 200):
        out = tmp_path / str(kill_at) / "run"
        shutil.copytree(old, out)  # the earlier run, as published (its manifest too)
        child = subprocess.run(
            [sys.executable, "-c", PUBLISH_KILLER, str(kill_at), str(script), str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert child.returncode in (0, -signal.SIGKILL), child.stderr
        outcomes.add(_run_folder_state(out))
        # The next run's check, and its scratch folder, remove what the killed one left.
        from tf1repro.legacy.runner import check_run_folder

        check_run_folder(out)
        with files.scratch_dir("test"):
            pass
        left = [p.name for p in out.parent.rglob("*") if "tf1repro-" in p.name]
        assert left == [files.MANIFEST], (kill_at, left)
        assert scratch_folders(scratch) == [], kill_at
        if child.returncode == 0:
            assert int(child.stdout) == kill_at - 1 and _run_folder_state(out) == "new"
            break
    else:
        raise AssertionError("the publish never ran to its end")
    assert outcomes == {"old", "new"}
    assert kill_at > 10  # every step of the publish was a kill point


# -- --python --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "--python must be the path of a Python interpreter; got ''"),
        ("{tmp}/missing/python", "--python '{tmp}/missing/python' does not exist"),
        ("{tmp}", "--python '{tmp}' is a folder, not a Python interpreter"),
        ("{tmp}/plain", "--python '{tmp}/plain' is not executable"),
    ],
)
@pytest.mark.parametrize("command", ["run", "check"])
def test_bad_python_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str, command: str
) -> None:
    (tmp_path / "s.py").write_text("print(1)\n")
    (tmp_path / "plain").write_text("#!/bin/sh\n")
    target = str(tmp_path / "s.py") if command == "run" else str(tmp_path)
    out = tmp_path / "out"
    code = main(
        ["legacy", command, target, "--python", value.format(tmp=tmp_path), "--out", str(out)]
    )
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1 and message.format(tmp=tmp_path) in error, error
    assert not out.exists()


# -- legacy matrix ---------------------------------------------------------------------------


def _interpreter(path: Path, nudge: bool) -> str:
    """This Python behind a wrapper; the wrapped one exports NUDGE, as a release that computes
    slightly differently would."""
    path.write_text(f'#!/bin/sh\n{"NUDGE=1 " if nudge else ""}exec {sys.executable} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_matrix_table_marks_scripts_that_fail_or_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "same.py").write_text("print('loss', 0.25)\n")
    (folder / "drift.py").write_text(
        "import os\n"
        "print('step 1 loss', 0.5)\n"
        "print('step 2 loss', 0.25000001 if os.environ.get('NUDGE') else 0.25)\n"
        "print('step 3 loss', 0.125003 if os.environ.get('NUDGE') else 0.125)\n"
    )
    (folder / "broken.py").write_text("import os\nassert not os.environ.get('NUDGE')\n")
    (folder / "always_bad.py").write_text("raise SystemExit(4)\n")
    old = _interpreter(tmp_path / "old", nudge=False)
    new = _interpreter(tmp_path / "new", nudge=True)
    out = tmp_path / "matrix"
    argv = ["legacy", "matrix", str(folder), "--python", f"2.12={old}", "--python", f"2.21={new}"]

    assert main([*argv, "--out", str(out), "--timeout", "60", "--jobs", "2"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["script", "2.12", "(reference)", "2.21"]
    rows = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:5]}
    assert rows["always_bad.py"].split() == ["failed", "(exit)", "failed", "(exit)"]
    assert rows["broken.py"].split() == ["ok", "failed", "(error)"]
    assert rows["drift.py"].split() == ["ok", "ok,", "differs"]
    assert rows["same.py"].split() == ["ok", "ok,", "same"]
    assert lines[6] == (
        "drift.py on 2.21: largest relative difference 2.4e-05 (line 3); first differing line 2: "
        "'step 2 loss 0.25' vs 'step 2 loss 0.25000001'"
    )
    # broken.py failing and drift.py changing: two regressions; always_bad.py never passed.
    assert (
        lines[-1]
        == "4 scripts on 2 releases; 2 regression(s) against 2.12 (numbers compared exactly)"
    )
    assert sorted(path.name for path in out.iterdir()) == ["tf-2.12", "tf-2.21"]

    # Within --rtol the drift is the same; broken.py still regresses.
    assert main([*argv, "--out", str(out), "--collect", "--rtol", "1e-4"]) == 2
    assert "--collect runs nothing" in capsys.readouterr().err
    collect = ["legacy", "matrix", str(folder), "--out", str(out), "--collect", "--rtol", "1e-4"]
    assert main(collect) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "1 regression(s) against 2.12" in lines[-1]
    assert main([*collect, "--reference", "2.21"]) == 0  # nothing passed on 2.21 and broke on 2.12
    assert "0 regression(s) against 2.21" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "needs at least two releases"),
        (
            ["--python", "{python}", "--python", "{python}"],
            "--python and --tensorflow give release {release} twice",
        ),
        (["--python", "a b={python}", "--python", "c={python}"], "--python release 'a b' must be"),
    ],
)
def test_matrix_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    from tf1repro import runtime

    (tmp_path / "s.py").write_text("print(1)\n")
    fill = {"python": sys.executable, "release": runtime.tensorflow_version()}
    out = tmp_path / "out"
    argv = ["legacy", "matrix", str(tmp_path), "--out", str(out)]
    assert main([*argv, *(part.format(**fill) for part in extra)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message.format(**fill) in error, error
    assert not out.exists()


def test_scratch_of_a_dead_run_is_removed_by_the_next(tmp_path: Path, scratch: Path) -> None:
    """If even the watcher could not clean up (the machine went down), the next run does."""
    stale = scratch / f"tf1repro-scratch-legacy-{2**22 + 1}-abcd1234"  # above any pid_max
    (stale / "work").mkdir(parents=True)
    mine = scratch / f"tf1repro-scratch-legacy-{os.getpid()}-abcd1234"  # a live process's
    mine.mkdir()
    (tmp_path / "s.py").write_text("print(1)\n")
    run_script(tmp_path / "s.py", tmp_path / "out")
    assert not stale.exists() and mine.exists()


def test_a_script_in_the_temporary_folder_does_not_copy_its_own_scratch(
    scratch: Path, tmp_path: Path
) -> None:
    (scratch / "s.py").write_text("import os\nprint(sorted(os.listdir('.')))\n")
    run = run_script(scratch / "s.py", tmp_path / "out")
    assert run.status == "ok", run.reason
    assert (tmp_path / "out" / "stdout.txt").read_text() == "['s.py']\n"


def test_no_runner_frames_or_paths_in_what_the_script_sees(tmp_path: Path) -> None:
    """A helper imported by the script fails at import time; a warning is raised at an import."""
    (tmp_path / "helper.py").write_text(
        "import warnings\n"
        "warnings.warn('old helper', DeprecationWarning, stacklevel=2)\n"
        "def load():\n"
        "    return {}['missing']\n"
        "VALUE = load()\n"
    )
    script = tmp_path / "main.py"
    script.write_text("import warnings\nwarnings.simplefilter('always')\nimport helper\n")
    run = run_script(script, tmp_path / "out")
    assert (run.kind, run.file, run.line) == ("error", "helper.py", 4)
    assert run.reason == "KeyError (helper.py line 4): 'missing'"
    stderr = (tmp_path / "out" / "stderr.txt").read_text()
    assert "bootstrap" not in stderr and "importlib" not in stderr and "runpy" not in stderr
    assert RUNNER_FOLDER not in stderr  # no part of the runner either (the import hook)
    warning = next(line for line in stderr.splitlines() if "DeprecationWarning" in line)
    assert warning.startswith(str(tmp_path)), warning  # a file of the script's, not the runner's
    frames = [line for line in stderr.splitlines() if line.startswith('  File "')]
    assert frames == [
        f'  File "{script}", line 3, in <module>',
        f'  File "{tmp_path / "helper.py"}", line 5, in <module>',
        f'  File "{tmp_path / "helper.py"}", line 4, in load',
    ]
