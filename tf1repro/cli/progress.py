"""Signs of life for long work: a progress bar on stderr on a terminal, plain lines elsewhere.

Two kinds: ``step_bar`` for the steps of one long run (``reproduce``), and ``count_bar`` for
commands that work through many items (golden records, compared cases, legacy scripts). Both
draw a bar only when stderr is a terminal. The bars are transient (``leave=False``): the result
printed after them is all that stays. Off a terminal (a CI log), a long run (``step_bar``)
prints one plain line every ``LINE_SECONDS`` and a final one with its time, so that a log shows
it is alive; everything else gets only the command's own output there.

A bar writes to a copy of the terminal's file descriptor taken when the bar is made, before the
work starts: while TensorFlow runs, file descriptor 2 is sent to a scratch file (its start-up
notices must not reach the user, see ``runtime``), and a bar drawn there would never be seen.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from tf1repro.backends import Progress

#: Runs with at least this many steps get a bar; the article's 100 steps take a fraction of a
#: second and print nothing but the article's log.
LONG_RUN_STEPS = 20_000
#: Steps between bar updates: redrawing costs more than a small tutorial's step.
_EVERY = 500
#: Seconds between the plain progress lines of a long run off a terminal.
LINE_SECONDS = 10.0


def on_terminal() -> bool:
    """Whether stderr is a terminal (a closed or replaced stderr is not)."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _copy_of_stderr() -> Any:
    """stderr as a text stream on a file descriptor of its own (see the module docstring)."""
    sys.stderr.flush()
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return sys.stderr  # no file descriptor (an in-memory stream): nothing can capture it
    return os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8")


@contextlib.contextmanager
def terminal() -> Iterator[Any]:
    """A copy of stderr for a bar to draw on while the block runs (closed after it)."""
    stream = _copy_of_stderr()
    try:
        yield stream
    finally:
        if stream is not sys.stderr:
            stream.close()


def step_bar(*, enabled: bool, what: str = "tf1repro") -> Progress | None:
    """A callback for ``progress(step, total)`` that draws one tqdm bar per long run on a
    terminal, and elsewhere prints plain lines labelled ``what`` (see the module docstring).

    Call it before the work starts (it takes its copy of stderr then).
    """
    if not enabled:
        return None
    stream = _copy_of_stderr()
    if not on_terminal():
        return _step_lines(stream, what)
    bar: list[Any] = []

    def advance(step: int, total: int) -> None:
        if total < LONG_RUN_STEPS:
            return
        if step == 1:
            from tqdm import tqdm

            bar[:] = [tqdm(total=total, unit="step", file=stream, leave=False)]
        if step % _EVERY == 0 or step == total:
            bar[0].n = step
            bar[0].refresh()
        if step == total:
            bar[0].close()

    return advance


def _step_lines(stream: Any, what: str) -> Progress:
    """``progress(step, total)`` printing a line every ``LINE_SECONDS`` of a long run, and its
    time at the end."""
    started = [time.monotonic()]
    shown = list(started)

    def advance(step: int, total: int) -> None:
        if step == 1:  # each run of a script's parts is timed from its own first step
            started[:] = shown[:] = [time.monotonic()]
        if total < LONG_RUN_STEPS or (step % _EVERY and step != total):
            return
        now = time.monotonic()
        seconds = now - started[0]
        if step == total:
            print(f"{what}: {total} steps in {seconds:.1f} s", file=stream, flush=True)
        elif now - shown[0] >= LINE_SECONDS:
            shown[:] = [now]
            percent = 100 * step // total
            line = f"{what}: step {step} of {total} ({percent}%), {seconds:.0f} s"
            print(line, file=stream, flush=True)

    return advance


@contextlib.contextmanager
def count_bar(what: str, unit: str, *, enabled: bool = True) -> Iterator[Progress | None]:
    """A callback ``tick(done, total)`` drawing a bar of ``total`` items (``unit`` each) while
    the block runs, labelled ``what``; None (no bar) unless ``enabled`` and stderr is a terminal.

    ``tick`` may be called from several threads (``legacy check`` runs scripts in a pool).
    """
    if not (enabled and on_terminal()):
        yield None
        return
    from tqdm import tqdm

    lock = threading.Lock()
    bar: list[Any] = []
    with terminal() as stream:

        def tick(done: int, total: int) -> None:
            with lock:
                if not bar:
                    bar.append(tqdm(total=total, desc=what, unit=unit, file=stream, leave=False))
                bar[0].total = total
                bar[0].n = done
                bar[0].refresh()

        try:
            yield tick
        finally:
            with lock:
                if bar:
                    bar[0].close()
