"""No process of a command outlives it.

Every process a legacy script starts ends with its run: on the timeout, at the end of the
script, and when the runner is stopped (SIGTERM), also when the runner started with Ctrl-C
ignored (a job started with ``&`` from a script) and when a child left the script's process
group with ``setsid()``.

Each test gives the command a unique environment variable, which every process of the run
inherits (the preloaded interpreter too), and then scans ``/proc`` for a living one.
Ctrl-C of ``tutorials --measure`` leaves no eager backend process behind either.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import alive, default_signals, start_process

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="scans /proc")

#: A bound, not a speed claim: ``check`` first imports TensorFlow in its preloaded interpreter.
START_SECONDS = 300.0

SLEEPER = """\
import sys, time
open(sys.argv[1], "w").write("started")
time.sleep(300)
"""

#: A child that leaves the script's process group and session, and sleeps.
ESCAPING_CHILD = """\
import os, sys, time
if os.fork() == 0:
    os.setsid()
    open(sys.argv[1], "w").write("started")
    time.sleep(300)
    os._exit(0)
"""

#: The child outlives the script.
ESCAPER = ESCAPING_CHILD + "time.sleep(300)\n"

#: The same, but the script ends once its child has left.
QUICK_ESCAPER = ESCAPING_CHILD + "while not os.path.exists(sys.argv[1]):\n    time.sleep(0.01)\n"


def marked(mark: str) -> list[str]:
    """The command lines of the living processes whose environment holds ``mark``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if mark.encode() not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if alive(int(proc.name)):
            found.append(f"{proc.name}: {command}")
    return found


def none_left(mark: str, timeout: float = 3.0) -> list[str]:
    """What of the run is still alive ``timeout`` seconds from now (at best, nothing sooner)."""
    deadline = time.monotonic() + timeout
    while (left := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def ignore_ctrl_c() -> None:
    """A ``preexec_fn``: start as a background job of a script does, with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start(
    tmp_path: Path, argv: list[str], preexec: Callable[[], None] = ignore_ctrl_c
) -> tuple[subprocess.Popen[str], str, Path]:
    """``tf1repro ARGV`` (with SIGINT ignored, unless ``preexec`` says otherwise); returns it,
    its mark and its temporary folder."""
    mark = f"TF1REPRO_TEST_RUN={uuid.uuid4().hex}"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    name, _, value = mark.partition("=")
    env[name] = value
    process = start_process([sys.executable, "-m", "tf1repro", *argv], env=env, preexec=preexec)
    return process, mark, scratch


def scripts(tmp_path: Path, **sources: str) -> Path:
    """A folder of scripts; each writes ``tmp_path/<name>.started`` once it (or its child) runs."""
    folder = tmp_path / "scripts"
    folder.mkdir()
    for name, source in sources.items():
        started = repr(str(tmp_path / f"{name}.started"))
        (folder / f"{name}.py").write_text(source.replace("sys.argv[1]", started))
    return folder


def wait_for(process: subprocess.Popen[str], ready: object, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not ready():  # type: ignore[operator]
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.05)


def scratch_left(scratch: Path) -> list[str]:
    return sorted(p.name for p in scratch.iterdir() if p.name.startswith("tf1repro-"))


@pytest.mark.parametrize("when", ["while TensorFlow imports", "while the scripts run"])
def test_check_with_ctrl_c_ignored_stops_on_sigterm_and_leaves_nothing(
    tmp_path: Path, when: str
) -> None:
    folder = scripts(tmp_path, sleeper=SLEEPER, escaper=ESCAPER)
    argv = ["legacy", "check", str(folder), "--out", str(tmp_path / "out"), "--jobs", "2"]
    process, mark, scratch = start(tmp_path, [*argv, "--timeout", "60"])
    if when == "while the scripts run":
        started = [tmp_path / "sleeper.started", tmp_path / "escaper.started"]
        wait_for(process, lambda: all(path.is_file() for path in started), "both scripts' start")
    else:
        wait_for(process, lambda: any("zygote.py" in p for p in marked(mark)), "the preload")
    process.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - sent
    assert process.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr
    # About a second on an idle machine; the bound leaves room for a loaded 2-core one.
    assert took < 5.0, took
    assert none_left(mark) == []
    assert scratch_left(scratch) == []


def test_a_child_that_left_the_group_ends_at_the_timeout(tmp_path: Path) -> None:
    folder = scripts(tmp_path, escaper=ESCAPER)
    argv = ["legacy", "run", str(folder / "escaper.py"), "--out", str(tmp_path / "out")]
    process, mark, scratch = start(tmp_path, [*argv, "--timeout", "3"])
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1 and "timeout" in stderr, stderr
    assert (tmp_path / "escaper.started").is_file()  # the child did leave the group
    assert none_left(mark, timeout=0.0) == []
    assert scratch_left(scratch) == []


def test_a_child_that_left_the_group_ends_with_its_script(tmp_path: Path) -> None:
    # The script ends as soon as its child has left the group: the child must not live on.
    folder = scripts(tmp_path, quick=QUICK_ESCAPER)
    argv = ["legacy", "run", str(folder / "quick.py"), "--out", str(tmp_path / "out")]
    process, mark, scratch = start(tmp_path, argv)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert (tmp_path / "quick.started").is_file()
    assert none_left(mark, timeout=0.0) == []
    assert scratch_left(scratch) == []


@pytest.mark.parametrize(
    ("signum", "whom"), [(signal.SIGINT, "the terminal's group"), (signal.SIGTERM, "tf1repro")]
)
def test_a_stopped_measure_leaves_no_process(tmp_path: Path, signum: int, whom: str) -> None:
    process, mark, _ = start(tmp_path, ["tutorials", "--measure"], preexec=default_signals)
    eager = "-m tf1repro.backends.eager"
    wait_for(process, lambda: any(eager in p for p in marked(mark)), "the eager backend's start")
    # Ctrl-C in a terminal reaches the whole foreground process group; SIGTERM (kill, a CI
    # timeout) tf1repro alone, which must then end its eager backend process itself.
    if whom == "tf1repro":
        process.send_signal(signum)
    else:
        os.killpg(process.pid, signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert marked(mark) == []


@pytest.mark.parametrize("timeout", [1e10, 1e300, 10**30])
def test_a_huge_timeout_waits_for_a_preloaded_child(timeout: float) -> None:
    # select() refuses a timeout beyond time_t: `legacy check --timeout 1e10` must still wait.
    import socket

    from tf1repro.legacy.preload import ForkedChild

    ours, theirs = socket.socketpair()
    child = ForkedChild(12345, ours)
    theirs.sendall(b'{"exit": 0}\n')
    assert child.wait(timeout) == 0
    theirs.close()


# -- the one helper that starts and ends a child with its process group ---------------------


def started_group(tmp_path: Path, source: str) -> subprocess.Popen[bytes]:
    """``python -c SOURCE`` started by ``process_group.start``, its output in ``tmp_path``."""
    from tf1repro import process_group

    with open(tmp_path / "output.txt", "wb") as output:
        return process_group.start(
            [sys.executable, "-c", source], stdout=output, stderr=output, env=dict(os.environ)
        )


def test_ending_a_group_kills_what_its_leader_started(tmp_path: Path) -> None:
    from tf1repro import process_group

    pid_file = tmp_path / "helper.pid"
    child = started_group(
        tmp_path,
        "import subprocess, time\n"
        "helper = subprocess.Popen(['sleep', '600'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(helper.pid))\n"
        "time.sleep(600)\n",
    )
    wait_for(child, pid_file.is_file, "the helper's start")
    helper = int(pid_file.read_text())
    assert os.getpgid(child.pid) == child.pid == os.getpgid(helper)  # one group, its own
    assert os.getsid(child.pid) != os.getsid(0)  # and a session of its own
    process_group.end(child, grace=0.2)
    assert child.returncode == -signal.SIGKILL  # it did not end within its grace
    deadline = time.monotonic() + 10.0
    while alive(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helper), "the leader's child outlived the group's end"


def test_a_child_ending_within_its_grace_keeps_its_exit_code(tmp_path: Path) -> None:
    from tf1repro import process_group

    child = started_group(tmp_path, "import sys\nsys.exit(3)\n")
    process_group.end(child, grace=START_SECONDS)
    assert child.returncode == 3
    process_group.kill(child.pid)  # a group already gone is no error
