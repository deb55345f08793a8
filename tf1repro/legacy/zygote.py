"""The preloaded interpreter of ``legacy check``: import TensorFlow once, fork one child per script.

Started as ``python zygote.py SOCKET KERAS`` (by file path, beside ``bootstrap.py``, so that
``sys.path[0]`` is the same folder a fresh child has) with the environment the children will
have, less ``TMPDIR``. ``KERAS`` is ``1`` when the runs use the compatibility layer: the server
then makes Keras 2's choice exactly as bootstrap does, since ``TF_USE_LEGACY_KERAS`` must be set
before TensorFlow is imported. Standard output and error are files the parent made: the first
line of standard output reports readiness (pid, thread count, the loaded top-level modules),
standard error keeps TensorFlow's import-time log, which each child copies to its own log.

The server is one thread, a ``select`` loop over: the listening socket, one connection per
child (a request is a JSON line with three file descriptors attached: the child's stdout, its
TensorFlow log and the read end of the parent's watch pipe), the read end of its own pipe from
the parent (EOF: the parent is gone, so every child's group is killed and the server exits),
and SIGCHLD. A child's exit status goes back on its connection as ``{"exit": code}`` with
``subprocess``'s convention (``-N`` for signal N).

A fork is refused (``{"refused": why}``) when the server has more than one thread: forking a
process whose other threads hold locks is not safe, and the parent then starts a fresh process.
(The thread pools of OpenBLAS, which NumPy and TensorFlow start at import, stop themselves
before a fork: one throwaway fork after the import, ``settle``, leaves the server with one.)
"""

from __future__ import annotations

import array
import atexit
import contextlib
import json
import os
import random
import select
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bootstrap

#: Most file descriptors that come with one request (stdout, TensorFlow log, watch pipe).
REQUEST_FDS = 3
REQUEST_BYTES = 1 << 20


def thread_count() -> int:
    """The threads of this process as the kernel sees them (TensorFlow's own included)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def preload(keras: bool) -> None:
    """Do what a fresh child does before and when the script first imports TensorFlow, up to
    (not including) the changes that depend on the run (patches, seeds, the import hook)."""
    if keras:
        legacy, _ = bootstrap.versions.keras_choice(bootstrap.versions.installed())
        if legacy:
            os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow  # noqa: F401


def settle() -> None:
    """Fork once and wait: thread pools that stop themselves before a fork (OpenBLAS's, started
    by NumPy and TensorFlow) are then stopped, and restart in each child on first use."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One request: a JSON line and its file descriptors."""
    fds = array.array("i")
    data, ancillary, _, _ = connection.recvmsg(
        REQUEST_BYTES, socket.CMSG_SPACE(REQUEST_FDS * fds.itemsize)
    )
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return json.loads(data.decode()), list(fds)


def send(connection: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        connection.sendall(json.dumps(message).encode() + b"\n")


def become_child(request: dict[str, Any], fds: list[int], import_log: bytes) -> None:
    """In the forked process: take the run's files and environment, then run bootstrap.

    Only what a fresh ``python bootstrap.py STAGING`` would have differently is set here: its
    own session, fds 0-2, the environment, signal handlers, the temporary folder, and fresh
    random state when the run is unseeded (a fresh process draws its own; forked children
    would otherwise share the server's).
    """
    stdout, tf_log, watch = fds
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDONLY)
    for source, target in ((null, 0), (stdout, 1), (tf_log, 2)):
        os.dup2(source, target)
        os.close(source)
    os.write(2, import_log)
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # found again from TMPDIR
    staging = Path(request["staging"])
    config_file = staging / bootstrap.staging.CONFIG_FILE
    config = json.loads(config_file.read_text())
    config.update(pipe=watch, parent=os.getppid())
    config_file.write_text(json.dumps(config))
    if config["seed"] is None:
        random.seed()
        import numpy

        numpy.random.seed()
    sys.argv = [bootstrap.__file__, str(staging)]
    code = 1
    try:
        code = bootstrap.main([str(staging)])
    finally:
        # What interpreter shutdown does for a fresh child: wait for the script's non-daemon
        # threads, run its atexit functions, flush.
        with contextlib.suppress(BaseException):
            threading._shutdown()  # type: ignore[attr-defined]
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code & 0xFF)


def serve(path: str, parent_pipe: int, import_log: bytes) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: dict[int, socket.socket] = {}
    waiting: list[socket.socket] = []
    modules = sorted({name.partition(".")[0] for name in sys.modules})
    print(json.dumps({"pid": os.getpid(), "threads": thread_count(), "modules": modules}))
    sys.stdout.flush()
    while True:
        watched: list[Any] = [listener, parent_pipe, wake_read, *waiting]
        ready, _, _ = select.select(watched, [], [])  # retried after signals (PEP 475)
        if parent_pipe in ready and not os.read(parent_pipe, 1):
            for pid in children:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
            os._exit(0)
        if wake_read in ready:
            os.read(wake_read, 4096)
            reap(children)
        if listener in ready:
            connection, _ = listener.accept()
            waiting.append(connection)
        for connection in [c for c in waiting if c in ready]:
            waiting.remove(connection)
            try:
                request, fds = receive(connection)
            except (OSError, ValueError):
                connection.close()
                continue
            threads = thread_count()
            if threads != 1 or len(fds) != REQUEST_FDS:
                why = f"{threads} threads" if threads != 1 else f"{len(fds)} file descriptors"
                send(connection, {"refused": why})
                for fd in fds:
                    os.close(fd)
                connection.close()
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                for other in [*children.values(), *waiting]:
                    other.close()
                connection.close()
                for fd in (parent_pipe, wake_read, wake_write):
                    os.close(fd)
                become_child(request, fds, import_log)
            for fd in fds:
                os.close(fd)
            children[pid] = connection
            send(connection, {"pid": pid})
        reap(children)


def reap(children: dict[int, socket.socket]) -> None:
    """Send each finished child's exit status to its connection."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is not None:
            send(connection, {"exit": os.waitstatus_to_exitcode(status)})
            connection.close()


@contextlib.contextmanager
def exit_with_parent(parent_pipe: int) -> Iterator[None]:
    """Within, a thread ends this process as soon as the parent's pipe reads EOF.

    Importing TensorFlow takes seconds, and the parent may be stopped meanwhile (SIGTERM,
    SIGKILL): the server must not finish the import and live on. The thread is joined on the
    way out, so that ``serve`` (whose loop watches the pipe itself) forks from one thread.
    """
    stop_read, stop_write = os.pipe()

    def watch() -> None:
        ready, _, _ = select.select([parent_pipe, stop_read], [], [])
        if parent_pipe in ready and not os.read(parent_pipe, 1):
            os._exit(0)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        os.write(stop_write, b"x")
        watcher.join()
        os.close(stop_read)
        os.close(stop_write)


def main(argv: list[str]) -> int:
    path, keras, parent_pipe = argv[0], argv[1] == "1", int(argv[2])
    # Ctrl-C in the terminal is the parent's to handle; the parent ends this server.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with tempfile.TemporaryFile() as log, exit_with_parent(parent_pipe):
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            preload(keras)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        import_log = log.read()
    settle()
    serve(path, parent_pipe, import_log)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
