"""SIGTERM and SIGHUP as exceptions, so that a stopped command cleans up like one stopped by Ctrl-C.

Python turns SIGINT into ``KeyboardInterrupt``, which runs every ``finally`` block on its way
out; SIGTERM (``kill``, a CI timeout, ``docker stop``) and SIGHUP (a closed terminal) would
kill the process on the spot and leave scratch folders behind. Inside ``interruptible()`` they
raise ``Terminated``, a ``KeyboardInterrupt``, so the same cleanup runs.

The first signal raises; any further one while the command unwinds gets the default action
(the process ends at once), so a second Ctrl-C still stops a cleanup that hangs. Signals that
were ignored when the command started (``nohup``, a background job) stay ignored.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: The signals handled here, beside SIGINT.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """The process got a stop signal (SIGTERM or SIGHUP); ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """The shell's convention, 128 + the signal: 130 for Ctrl-C, 143 for SIGTERM, 129 SIGHUP."""
    signum = interrupt.signum if isinstance(interrupt, Terminated) else signal.SIGINT
    return 128 + int(signum)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within, SIGINT raises ``KeyboardInterrupt`` and SIGTERM/SIGHUP raise ``Terminated``.

    A no-op outside the main thread (only it may set signal handlers). The previous handlers
    are restored on the way out.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handled = (signal.SIGINT, *STOP_SIGNALS)
    previous = {signum: signal.getsignal(signum) for signum in handled}

    def stop(signum: int, frame: FrameType | None) -> None:
        # One exception is enough: from now on a signal ends the process the default way.
        for other in handled:
            if previous[other] is not signal.SIG_IGN:
                signal.signal(other, signal.SIG_DFL)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    for signum in handled:
        if previous[signum] is not signal.SIG_IGN:
            signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
