"""The script's tie to its parent: nothing the script started outlives the run.

The child asks the kernel to kill it when the parent dies (``PR_SET_PDEATHSIG``), and forks a
small watcher that holds the read end of a pipe whose only writer is the parent: when the parent
is gone (even after SIGKILL) the pipe reads EOF, and the watcher removes the staging folder and
kills the script's whole process group.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
from pathlib import Path

#: linux/prctl.h
PR_SET_PDEATHSIG = 1
#: The exit status of a child whose parent died before it could ask to die with it.
EXIT_ORPHANED = 125


def die_with_parent(parent: int) -> None:
    """Be killed when the parent dies (Linux), and stop now if it is already gone."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the watcher alone ends the run
    if os.getppid() != parent:
        os._exit(EXIT_ORPHANED)


def start_watcher(pipe: int, staging: Path) -> None:
    """Fork the process that ends the run when the parent is gone (see the module docstring).

    The parent writes nothing and kills the whole group before it closes its end, so EOF on
    ``pipe`` means the parent died. The watcher then leaves the group (to outlive the kill it
    sends), kills it, and removes the staging folder.
    """
    group = os.getpgrp()
    if os.fork() == 0:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            while os.read(pipe, 1):
                pass
            os.setpgid(0, 0)
            os.killpg(group, signal.SIGKILL)
            shutil.rmtree(staging, ignore_errors=True)
        finally:
            os._exit(0)
    os.close(pipe)
