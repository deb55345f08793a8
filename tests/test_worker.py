"""The eager backend's long-lived worker process (``tf1repro.backends.worker``).

The worker here answers with its own state instead of TensorFlow's, so each check costs a
Python start, not a TensorFlow import; the eager backend's own results are checked in
tests/test_eager.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, default_signals

from tf1repro.backends import worker

ANSWER = r"""
import os, sys, time
from tf1repro.backends import worker

def answer(request):
    print("a library's noise on stdout")
    print("a notice on stderr", file=sys.stderr)
    if request.get("fail"):
        raise ValueError("asked to fail")
    time.sleep(request.get("sleep", 0))
    return {"pid": os.getpid(), "request": request, "variable": os.environ.get("WORKER_TEST")}

worker.serve(lambda: answer)
"""

# A parent that starts the worker, prints its pid, then waits: for a line on stdin ("idle"),
# or for a request the worker takes a minute to answer ("busy"), stoppable like a command.
PARENT = r"""
import os, sys
from tf1repro import signals
from tf1repro.backends import worker

args, env = [sys.argv[1]], dict(os.environ)
pid = worker.call(args, env, {}, verbose=False)["pid"]
try:
    with signals.interruptible():
        print(pid, flush=True)
        if sys.argv[2] == "idle":
            sys.stdin.readline()
        else:
            worker.call(args, env, {"sleep": 60}, verbose=False)
except KeyboardInterrupt as stop:
    sys.exit(signals.exit_code(stop))
"""


@pytest.fixture(autouse=True)
def own_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from no worker; the eager backend's, if any, is back afterwards."""
    monkeypatch.setattr(worker, "_running", None)
    yield
    worker._stop()


@pytest.fixture
def script(tmp_path: Path) -> list[str]:
    path = tmp_path / "answer.py"
    path.write_text(ANSWER)
    return [str(path)]


def environment(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (a zombie has) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


@pytest.mark.quick
def test_one_worker_answers_every_call(
    script: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    first = worker.call(script, environment(), {"n": 1}, verbose=False)
    second = worker.call(script, environment(), {"n": 2}, verbose=False)
    assert first["pid"] == second["pid"] != os.getpid()
    # What the worker prints, on stdout too, neither corrupts a reply nor reaches the terminal.
    assert (first["request"], second["request"]) == ({"n": 1}, {"n": 2})
    assert capfd.readouterr() == ("", "")


@pytest.mark.quick
def test_a_verbose_worker_writes_to_this_stderr(
    script: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    worker.call(script, environment(), {}, verbose=True)
    err = capfd.readouterr().err
    assert "a library's noise on stdout" in err and "a notice on stderr" in err


@pytest.mark.quick
def test_another_environment_gets_another_worker(script: list[str]) -> None:
    first = worker.call(script, environment(WORKER_TEST="a"), {}, verbose=False)
    second = worker.call(script, environment(WORKER_TEST="b"), {}, verbose=False)
    assert (first["variable"], second["variable"]) == ("a", "b")
    assert first["pid"] != second["pid"] and gone(first["pid"], within=0)


@pytest.mark.quick
def test_a_failed_request_ends_the_worker_and_keeps_its_stderr(script: list[str]) -> None:
    first = worker.call(script, environment(), {}, verbose=False)
    with pytest.raises(worker.WorkerExited) as exited:
        worker.call(script, environment(), {"fail": True}, verbose=False)
    assert exited.value.code == 1 and gone(first["pid"], within=0)
    # Only this request's stderr: the notice once, then the traceback.
    assert exited.value.stderr.count("a notice on stderr") == 1
    assert exited.value.stderr.rstrip().endswith("ValueError: asked to fail")
    again = worker.call(script, environment(), {}, verbose=False)
    assert again["pid"] != first["pid"]


@pytest.mark.parametrize(
    ("wait", "stop", "code"),
    [
        ("idle", None, 0),  # the parent ends normally (atexit)
        ("idle", signal.SIGKILL, -signal.SIGKILL),  # no cleanup in the parent at all
        pytest.param("busy", signal.SIGKILL, -signal.SIGKILL, marks=pytest.mark.quick),
        ("busy", signal.SIGTERM, 128 + signal.SIGTERM),  # a stopped command
        ("busy", signal.SIGINT, 128 + signal.SIGINT),  # Ctrl-C: the whole process group
    ],
)
def test_the_worker_ends_with_its_parent(
    script: list[str], wait: str, stop: signal.Signals | None, code: int
) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, script[0], wait],
        env=environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
        start_new_session=True,
    )
    assert parent.stdin is not None and parent.stdout is not None
    pid = int(parent.stdout.readline())
    if stop is None:
        parent.stdin.close()
    elif stop == signal.SIGINT:
        os.killpg(parent.pid, stop)
    else:
        parent.send_signal(stop)
    assert parent.wait(timeout=60) == code
    parent.stdout.close()
    assert gone(pid)
