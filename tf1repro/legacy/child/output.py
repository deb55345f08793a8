"""What the script reads and prints, and how its errors show: its files, never the runner's.

File descriptor 1 (stdout) and 2 (TensorFlow's C++ logs) were opened by the parent; fd 0 is
the ``--stdin`` file when there is one. Python's ``sys.stderr`` is moved to ``stderr.txt``, so
the script's tracebacks and warnings land there, while TensorFlow's Python logger and warnings
raised inside TensorFlow, Keras or absl go to the TensorFlow log with the C++ noise. On SIGUSR1
(the parent's timeout) every thread's stack is dumped to ``stack.txt`` before the parent kills
the process group.

Tracebacks hold no frame of the runner (bootstrap and its parts, the stand-ins, the import
machinery) and name the script's real folder, not the working copy. An uncaught exception is
summarised for ``child.json``: its type, message, the file, line and source text of the
script's code (the script or a helper module beside it) where it happened, and the module that
raised it (TensorFlow's own checks are told apart so).
"""

from __future__ import annotations

import faulthandler
import os
import runpy
import signal
import site
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

#: Warnings raised from files under these package folders belong to TensorFlow's noise.
NOISY_PACKAGES = ("tensorflow", "keras", "tf_keras", "absl")


class Output:
    """The script's streams, and which files and frames are the script's.

    ``work`` is the working copy the script runs in, ``origin`` its real folder;
    ``runner_files`` and the files under ``standins`` are the runner's.
    """

    def __init__(
        self, work: Path, origin: Path, runner_files: tuple[str, ...], standins: Path
    ) -> None:
        self.work = work
        self.origin = origin
        self.runner_files = runner_files
        self.standins = str(standins)
        self.user_folder = str(work) + os.sep
        self.installed = tuple(
            os.path.abspath(folder) + os.sep
            for folder in {sys.prefix, sys.base_prefix, *site.getsitepackages()}
        )
        # A dup of fd 2 shares its file offset, so Python's lines and C++ lines interleave.
        self.tf_log = open(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115

    def open_streams(self, stdin: Path | None, stderr: Path, stack: Path) -> None:
        """Line-buffer stdout, read ``stdin``, write ``sys.stderr`` to ``stderr``, dump the
        stacks to ``stack`` on SIGUSR1 and show warnings where they belong."""
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        if stdin is not None:
            # fd 0 (the parent's empty stdin) becomes the file, for ``input()`` and for the
            # programs the script starts.
            fd = os.open(stdin, os.O_RDONLY)
            os.dup2(fd, 0)
            os.close(fd)
            sys.stdin = open(0, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        sys.stderr = open(stderr, "w", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        faulthandler.register(signal.SIGUSR1, file=open(stack, "w"), all_threads=True)  # noqa: SIM115
        warnings.showwarning = self.show_warning

    def is_user_file(self, path: str) -> bool:
        """Whether ``path`` is in the script's folder, and not in installed packages (a
        virtualenv inside that folder holds TensorFlow and Keras themselves)."""
        path = os.path.abspath(path)
        return path.startswith(self.user_folder) and not path.startswith(self.installed)

    def is_runner_frame(self, filename: str) -> bool:
        return (
            filename in self.runner_files
            or filename.startswith(self.standins)
            or filename.startswith("<frozen importlib._bootstrap")
            or filename == "<frozen runpy>"
            or filename == runpy.__file__
        )

    def is_runner_line(self, line: str) -> bool:
        """A ``File "...", line N, in f`` line of a frame of the runner."""
        stripped = line.lstrip()
        if not stripped.startswith('File "'):
            return False
        return self.is_runner_frame(stripped[len('File "') :].partition('"')[0])

    def shown(self, text: str) -> str:
        """``text`` with the working copy's paths replaced by the script's real folder, and
        without the runner's frames that TensorFlow lists in its messages ("defined at")."""
        lines = [
            line
            for line in text.replace(str(self.work), str(self.origin)).split("\n")
            if not self.is_runner_line(line)
        ]
        return "\n".join(lines)

    def show_warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        if self.is_runner_frame(filename):
            # A warning raised at an import (`stacklevel` pointing at its caller) would name the
            # import hook: name the script's line that imported instead.
            frame = sys._getframe(1)
            while frame.f_back is not None and not self.is_user_file(frame.f_code.co_filename):
                frame = frame.f_back
            filename, lineno, line = frame.f_code.co_filename, frame.f_lineno, None
        parts = set(Path(filename).parts)
        target = self.tf_log if parts.intersection(NOISY_PACKAGES) else sys.stderr
        text = warnings.formatwarning(message, category, filename, lineno, line)
        target.write(self.shown(text))

    def without_runner(self, summary: traceback.TracebackException) -> None:
        """Drop the runner's, the stand-ins' and the import machinery's frames, in every link."""
        seen: set[int] = set()
        link: traceback.TracebackException | None = summary
        pending = [summary]
        while pending:
            link = pending.pop()
            if id(link) in seen:
                continue
            seen.add(id(link))
            kept = [frame for frame in link.stack if not self.is_runner_frame(frame.filename)]
            link.stack = traceback.StackSummary.from_list(kept)
            pending.extend(x for x in (link.__cause__, link.__context__) if x is not None)

    def describe(self, error: BaseException) -> dict[str, Any]:
        """Print the traceback as Python would, without the runner, and summarise it."""
        summary = traceback.TracebackException.from_exception(error)
        self.without_runner(summary)
        sys.stderr.write(self.shown("".join(summary.format())))
        frames = traceback.extract_tb(error.__traceback__)
        user = [frame for frame in frames if self.is_user_file(frame.filename)]
        file, line = (user[-1].filename, user[-1].lineno) if user else (None, None)
        code = (user[-1].line or "").strip() if user else ""
        if isinstance(error, SyntaxError) and error.filename and self.is_user_file(error.filename):
            file, line = error.filename, error.lineno
        causes: list[dict[str, str]] = []
        cause = error.__cause__ or error.__context__
        while cause is not None and len(causes) < 5:
            causes.append({"type": type(cause).__name__, "message": self.shown(str(cause))})
            cause = cause.__cause__ or cause.__context__
        return {
            "type": type(error).__name__,
            "message": self.shown(str(error)),
            "file": None if file is None else os.path.relpath(file, self.work),
            "line": line,
            "code": code,
            "raised_in": raised_in(error),
            "causes": causes,
        }


def raised_in(error: BaseException) -> str:
    """The module whose code raised ``error`` (its innermost frame), e.g.
    ``tensorflow.python.training.saver``: it tells TensorFlow's own checks from the script's."""
    tb = error.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", ""))
