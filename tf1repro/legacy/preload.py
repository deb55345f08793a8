"""Start legacy scripts from a preloaded interpreter instead of a fresh one, where that is safe.

A fresh child (``python bootstrap.py STAGING``) spends about four seconds importing TensorFlow
before the script's first line does anything. Inside ``preloading()`` (what ``legacy check``
uses), ``runner._run_child`` asks ``start`` first: a server (``zygote.py``) that has imported
TensorFlow once forks one child per script, and the child runs bootstrap exactly as a fresh
process would (see zygote.py for what the fork changes). The runner then treats it like any
child: its own session (the timeout and ``cancel_all`` kill its process group), the watch pipe
of the runner (the child's watcher ends the run when the runner dies), and
``PR_SET_PDEATHSIG`` towards the server, which itself exits, killing its children, when the
runner's end of its pipe closes.

When a preloaded child would not behave as a fresh one, ``start`` returns None and the runner
starts a fresh process. The rules (``refusal`` names the first that applies):

* **Environment.** One server per interpreter, layer (on or strict) and environment (every
  variable but ``TMPDIR``, which the child sets): anything TensorFlow reads at import time
  (``TF_USE_LEGACY_KERAS``, ``TF_ENABLE_ONEDNN_OPTS``, ``CUDA_VISIBLE_DEVICES``, the hash seed
  ``PYTHONHASHSEED`` of a seeded run...) is then the same as in a fresh child. A different
  ``--python`` gets its own server.
* **The script changes the environment or the import system** before it imports TensorFlow:
  the script or a module beside it mentions ``environ``, ``putenv``, ``sys.modules``,
  ``importlib`` or ``sys.path`` (in a fresh process TensorFlow would see the change; here it
  was imported before).
* **The script's folder shadows a module TensorFlow loads** (a ``numpy.py``, a ``google/``
  package...): a fresh child imports TensorFlow with that folder first on ``sys.path``.
* **The server has threads** when a fork is asked for (forking a multi-threaded process is not
  safe): the server refuses and the run is fresh.
* **The server could not start** (TensorFlow does not import in that interpreter...): every run
  with that key is fresh, and TensorFlow's failure shows in each run's own log as usual.

Unseeded runs draw fresh ``random`` and NumPy state in each child, as a fresh process does; they
share the server's Python hash secret (all runs of one check, instead of one per run).
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tf1repro import files, process_group

ZYGOTE = Path(__file__).with_name("zygote.py")
#: How long a server may take to import TensorFlow before its runs fall back to fresh ones.
START_SECONDS = 300.0
#: How long a server whose pipe closed gets to exit by itself before its group is killed.
CLOSE_SECONDS = 10.0
#: The longest single wait on a forked child's connection (see ``ForkedChild._read``).
MAX_SELECT_SECONDS = 3600.0
#: Source text that makes a script's start depend on when TensorFlow is imported.
IMPORT_TIME_CHANGES = re.compile(r"environ|putenv|sys\.modules|importlib|sys\.path")

_lock = threading.Lock()
_active = False
#: The scratch folder of ``preloading()``, holding one folder per server (socket and logs).
_scratch: Path | None = None
_servers: dict[tuple[str, bool, frozenset[tuple[str, str]]], Server | None] = {}
#: Every server process started and not yet closed, also those still importing TensorFlow.
_processes: set[subprocess.Popen[bytes]] = set()
#: Set by ``kill_servers``: no server starts until the next ``preloading()``.
_killed = threading.Event()
_starting: dict[tuple[str, bool, frozenset[tuple[str, str]]], threading.Lock] = {}


class Server:
    """One running ``zygote.py``: its socket, its pipe from us, the modules it has loaded."""

    def __init__(self, python: str, keras: bool, env: Mapping[str, str], scratch: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(dir=scratch))
        self.socket = str(self.folder / "socket")
        watch, self._keep = os.pipe()
        server_env = {name: value for name, value in env.items() if name != "TMPDIR"}
        try:
            with (
                open(self.folder / "stdout", "w+b") as stdout,
                open(self.folder / "stderr", "wb") as stderr,
            ):
                self.process = process_group.start(
                    [python, str(ZYGOTE), self.socket, "1" if keras else "0", str(watch)],
                    stdout=stdout,
                    stderr=stderr,
                    env=server_env,
                    pass_fds=(watch,),
                )
        finally:
            os.close(watch)
        with _lock:
            _processes.add(self.process)
            if _killed.is_set():
                process_group.kill(self.process.pid)
        self.ready = self._wait_ready()

    def _wait_ready(self) -> dict[str, Any] | None:
        deadline = time.monotonic() + START_SECONDS
        path = self.folder / "stdout"
        while time.monotonic() < deadline and self.process.poll() is None:
            text = path.read_text(errors="replace")
            if text.endswith("\n"):
                with contextlib.suppress(ValueError):
                    ready: dict[str, Any] = json.loads(text.splitlines()[0])
                    return ready
                return None
            time.sleep(0.05)
        return None

    @property
    def modules(self) -> set[str]:
        return set(self.ready["modules"]) if self.ready else set()

    def close(self) -> None:
        """Close our end of its pipe (it kills what it still runs and exits), then tidy up."""
        with contextlib.suppress(OSError):
            os.close(self._keep)
        process_group.end(self.process, grace=CLOSE_SECONDS)
        with _lock:
            _processes.discard(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def kill_servers() -> None:
    """Kill every server now, those still importing TensorFlow too (Ctrl-C, SIGTERM): the runs
    waiting for one then start no script. No server starts until the next ``preloading()``."""
    with _lock:
        _killed.set()
        for process in _processes:
            process_group.kill(process.pid)


class ForkedChild:
    """A child forked by a server, with the part of ``subprocess.Popen`` the runner uses."""

    def __init__(self, pid: int, connection: socket.socket) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._connection = connection
        self._buffer = b""

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            self._read(left)
        return self.returncode

    def _read(self, timeout: float | None) -> None:
        # select() takes no timeout beyond the platform's time_t (a --timeout of 1e10 is one
        # the user may give): wait at most an hour at a time, ``wait`` loops to its deadline.
        if timeout is not None:
            timeout = min(timeout, MAX_SELECT_SECONDS)
        ready, _, _ = select.select([self._connection], [], [], timeout)
        if not ready:
            return
        chunk = self._connection.recv(4096)
        self._buffer += chunk
        if b"\n" in self._buffer:
            self.returncode = int(json.loads(self._buffer.partition(b"\n")[0])["exit"])
        elif not chunk:
            # The server died; its children die with it (PR_SET_PDEATHSIG).
            self.returncode = -9
        if self.returncode is not None:
            self._connection.close()


@contextlib.contextmanager
def preloading() -> Iterator[None]:
    """Within this block, ``runner`` starts children from preloaded servers where it can;
    every server is stopped when the block ends.

    The servers' sockets and logs live in one ``files.scratch_dir``: removed when the block ends,
    and, should this process be killed (the servers then exit, see zygote), by the next one.
    """
    global _active, _scratch
    with files.scratch_dir("preload") as scratch:
        with _lock:
            _active, _scratch = True, scratch
            _killed.clear()
        try:
            yield
        finally:
            with _lock:
                _active, _scratch = False, None
                servers = [server for server in _servers.values() if server is not None]
                _servers.clear()
                _starting.clear()
            for server in servers:
                server.close()


def refusal(config: Mapping[str, Any], modules: set[str]) -> str | None:
    """Why the run described by ``config`` (bootstrap's) must start in a fresh process, or None.

    ``modules``: the top-level modules the server has loaded.
    """
    work = Path(config["work"])
    for path in sorted(work.glob("*.py")):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        found = IMPORT_TIME_CHANGES.search(text)
        if found:
            return f"{path.name} uses {found.group()}"
    for entry in sorted(work.iterdir()):
        name = entry.stem if entry.suffix == ".py" else entry.name
        if name in modules and (entry.suffix == ".py" or (entry / "__init__.py").is_file()):
            return f"{entry.name} shadows the module {name} that TensorFlow loads"
    return None


def start(
    command: list[str], config: Mapping[str, Any], env: Mapping[str, str], fds: tuple[int, ...]
) -> ForkedChild | None:
    """Fork the run from a preloaded server, or None when it must be a fresh process.

    ``command`` is the fresh child's command (its interpreter is the server's), ``fds`` the
    child's stdout, TensorFlow log and watch pipe. The staging config must already be written.
    """
    # SCM_RIGHTS, /proc and PR_SET_PDEATHSIG: Linux only.
    if not _active or sys.platform != "linux":
        return None
    variables = frozenset(item for item in env.items() if item[0] != "TMPDIR")
    key = (command[0], bool(config["compat"]), variables)
    server = _server(key, env)
    if server is None or refusal(config, server.modules) is not None:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(server.socket)
        request = json.dumps({"staging": str(Path(config["work"]).parent), "env": dict(env)})
        connection.sendmsg(
            [request.encode()],
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())],
        )
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                raise OSError("the preloaded interpreter closed the connection")
            reply += chunk
    except OSError:
        connection.close()
        return None
    answer = json.loads(reply)
    if "pid" not in answer:
        connection.close()
        return None
    return ForkedChild(int(answer["pid"]), connection)


def _server(
    key: tuple[str, bool, frozenset[tuple[str, str]]], env: Mapping[str, str]
) -> Server | None:
    with _lock:
        if key in _servers:
            return _servers[key]
        starting = _starting.setdefault(key, threading.Lock())
    with starting:
        with _lock:
            if key in _servers:
                return _servers[key]
            scratch = _scratch
        if scratch is None or _killed.is_set():  # preloading() has ended, or was stopped
            return None
        server: Server | None = Server(key[0], key[1], env, scratch)
        assert server is not None
        if server.ready is None or server.ready.get("threads") != 1:
            server.close()
            server = None
        with _lock:
            if not _active:
                if server is not None:
                    server.close()
                return None
            _servers[key] = server
        return server
