"""A child process in a session of its own, ended together with everything it started.

The script runners (``legacy``'s script processes and preloaded servers, the proof of a
generated port) start each child as the leader of a new session: one ``killpg`` then ends the
child and whatever it started that stayed in its group, whether the run is over, timed out or
stopped (Ctrl-C, SIGTERM). It imports only the standard library. (The script's own process,
``legacy/bootstrap.py``, cannot import tf1repro: its watcher kills the group by itself.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from typing import IO, Protocol


class Leader(Protocol):
    """What ``end`` needs of a child: ``subprocess.Popen`` or a forked child like it."""

    @property
    def pid(self) -> int: ...

    def wait(self, timeout: float | None = None) -> int: ...


def start(
    command: Sequence[str],
    *,
    stdout: IO[bytes],
    stderr: IO[bytes],
    env: Mapping[str, str],
    pass_fds: Sequence[int] = (),
    stdin: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``command`` as the leader of a new session, reading ``stdin`` (default: an empty
    standard input)."""
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        stdout=stdout,
        stderr=stderr,
        env=env,
        start_new_session=True,
        pass_fds=pass_fds,
    )


def kill(pid: int) -> None:
    """SIGKILL the process group that ``pid`` leads; a group already gone is no error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def end(child: Leader, grace: float = 0.0) -> None:
    """Give ``child`` ``grace`` seconds to exit by itself, then kill its group and reap it."""
    if grace > 0:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(grace)
    kill(child.pid)
    child.wait()
