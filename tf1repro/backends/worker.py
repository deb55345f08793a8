"""A long-lived child process that answers JSON requests: one per parent process.

The eager backend must run in a Python process of its own (the graph backend turns TensorFlow's
v2 behaviour off for good in this one). A fresh interpreter per call would import TensorFlow
each time, seconds and half a GiB, so one worker is started on first use and serves every
later call of this process:

* **Protocol.** A request and its reply are one JSON line each, over the worker's standard input
  and a private copy of its standard output; the worker points file descriptor 1 at its stderr,
  so whatever a library prints cannot corrupt a reply. One request at a time (a lock).
* **Same as a fresh process.** The worker runs ``python ARGS`` with an environment fixed when it
  starts (TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` and its log level at import). A call with
  other arguments, another environment or, for a verbose worker, another stderr ends the running
  worker and starts one that matches.
* **Logs.** A quiet worker's stderr goes to a scratch file, read only when a request fails; a
  verbose worker writes to this process's stderr as it runs.
* **Failure.** A request that raises ends the worker (its traceback goes to its stderr, exit
  code 1), and ``WorkerExited`` carries the code and what the worker wrote to stderr during the
  request; the next call starts a new worker.
* **It never outlives its parent.** At exit (``atexit``), and when a call is interrupted (Ctrl-C,
  or SIGTERM/SIGHUP through ``tf1repro.signals``) or fails, the parent ends it. In the worker, a
  thread reads the requests and ends the process as soon as its standard input reads EOF, which
  happens when the parent closes its end or dies, even by SIGKILL. Ctrl-C at a terminal reaches
  the whole process group: the worker ignores SIGINT and leaves the decision to its parent.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

#: Environment variables that change between calls without changing what a worker computes:
#: pytest names the running test in one.
VOLATILE = frozenset({"PYTEST_CURRENT_TEST"})
#: How long a worker may take to end once its standard input is closed before it is killed.
CLOSE_SECONDS = 5.0

Request = dict[str, Any]
Reply = dict[str, Any]


class WorkerExited(RuntimeError):
    """The worker process ended during a request with exit status ``code``; ``stderr`` is
    what it wrote to stderr during the request (empty for a verbose worker, whose stderr is
    this process's)."""

    def __init__(self, code: int, stderr: str) -> None:
        super().__init__(f"the worker process exited with code {code}")
        self.code = code
        self.stderr = stderr


class Worker:
    """One running worker: ``python ARGS`` with ``env``, its stderr kept unless verbose."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], *, verbose: bool) -> None:
        self.key = _key(args, env, verbose)
        # Open as long as the worker runs; close() closes it.
        self._log: IO[bytes] | None = None if verbose else tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=dict(env),
            text=True,
            encoding="utf-8",
        )

    def ask(self, request: Request) -> Reply:
        """The worker's reply to ``request``; ``WorkerExited`` if it ends instead."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        start = self._log.seek(0, os.SEEK_END) if self._log is not None else 0
        # A worker that died already shows as a broken pipe here, or as EOF below: either way
        # its exit code and stderr say why.
        with contextlib.suppress(BrokenPipeError):
            stdin.write(json.dumps(request, allow_nan=False) + "\n")
            stdin.flush()
        line = stdout.readline()
        if not line:
            code = self._process.wait()
            raise WorkerExited(code, self._stderr_since(start))
        reply: Reply = json.loads(line)
        return reply

    def _stderr_since(self, start: int) -> str:
        if self._log is None:
            return ""
        self._log.seek(start)
        return self._log.read().decode("utf-8", errors="replace")

    def close(self, *, kill: bool = False) -> None:
        """End the worker: close its standard input (it exits at once), or ``kill`` it; wait."""
        if kill:
            self._process.kill()
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        try:
            self._process.wait(CLOSE_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        if self._log is not None:
            self._log.close()


_lock = threading.Lock()
_running: Worker | None = None


def call(args: Sequence[str], env: Mapping[str, str], request: Request, *, verbose: bool) -> Reply:
    """``request``'s reply from this process's worker running ``python ARGS`` with ``env``,
    started now unless the running one was started the same way (see the module docstring).

    Raises ``WorkerExited`` when the worker ends during the request.
    """
    global _running
    with _lock:
        if _running is not None and _running.key != _key(args, env, verbose):
            _running.close()
            _running = None
        if _running is None:
            _running = Worker(args, env, verbose=verbose)
        worker = _running
        try:
            return worker.ask(request)
        except BaseException:
            # Interrupted mid-request, or ended: its next reply would answer the wrong request.
            worker.close(kill=True)
            _running = None
            raise


@atexit.register
def _stop() -> None:
    global _running
    if _running is not None:
        _running.close()
        _running = None


def _key(args: Sequence[str], env: Mapping[str, str], verbose: bool) -> tuple[Any, ...]:
    variables = tuple(sorted(item for item in env.items() if item[0] not in VOLATILE))
    # A verbose worker writes to the stderr it inherited: it must still be this process's.
    stderr = None
    if verbose:
        with contextlib.suppress(OSError):
            status = os.fstat(2)
            stderr = (status.st_dev, status.st_ino)
    return (tuple(args), variables, verbose, stderr)


# --- The worker's side. ----------------------------------------------------------------------


def serve(prepare: Callable[[], Callable[[Request], Reply]]) -> None:
    """Run as the worker: ``prepare()`` once (e.g. import TensorFlow), then answer each request
    on standard input with the function it returned, until standard input reads EOF.

    An exception raised by the answer ends the process with its traceback, as in a fresh one.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    requests: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_requests, args=(requests,), daemon=True).start()
    answer = prepare()
    while True:
        reply = answer(json.loads(requests.get()))
        sys.stdout.flush()
        sys.stderr.flush()
        replies.write(json.dumps(reply, allow_nan=False) + "\n")
        replies.flush()


def _read_requests(requests: queue.Queue[str]) -> None:
    for line in sys.stdin:
        requests.put(line)
    # The parent closed its end or died: nothing is left to answer, and no one to answer to.
    os._exit(0)
