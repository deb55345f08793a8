"""Exceptions that tf1repro raises on purpose, each carrying what a user needs to act on it."""

from __future__ import annotations

import sys
import sysconfig
import traceback
from pathlib import Path

#: Where tf1repro's own code and the Python installation (standard library, site-packages)
#: live: a frame outside all of them belongs to a user's file (a tutorial, a port).
_NOT_USER = tuple(
    {
        str(Path(__file__).resolve().parent),
        *(
            str(Path(path).resolve())
            for path in (
                sys.prefix,
                sys.base_prefix,
                *(sysconfig.get_paths().get(key, "") for key in ("stdlib", "purelib", "platlib")),
            )
            if path
        ),
    }
)


class ParameterError(ValueError):
    """A parameter is outside what tf1repro accepts.

    The message follows one pattern everywhere, so that the command line can show it as is:
    ``The 'batch_size' parameter must be an int in the range [1, inf). Got 0 instead.``
    """

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"The {name!r} parameter must be {allowed}. Got {value!r} instead.")


#: What a divergence calls for when the data are finite and of a size float32 can square.
LOWER_THE_RATE = "lower the learning rate"


class DivergenceError(ArithmeticError):
    """Training produced an infinite or NaN value; the run stops at that step."""

    def __init__(
        self,
        tutorial: str,
        backend: str,
        step: int,
        value: float,
        quantity: str = "loss",
        advice: str = LOWER_THE_RATE,
    ) -> None:
        self.tutorial = tutorial
        self.backend = backend
        self.step = step
        self.value = value
        self.quantity = quantity
        self.advice = advice
        super().__init__(
            f"the {tutorial} tutorial ({backend}) diverged at step {step}: {quantity} = {value}; "
            + advice
        )


class UserCodeError(Exception):
    """Code in a user's file (a tutorial, a port) raised, or called ``sys.exit``.

    ``what`` says which (``raised KeyError``, ``called sys.exit(5)``), ``frames`` are the user's
    own frames (file, line, function, source), outermost first, ``caller`` the line of tf1repro
    that called into them (``tf1repro/backends/__init__.py:84 in draw_inputs``), and
    ``details`` the whole traceback (tf1repro's and TensorFlow's frames too), for ``--verbose``.
    """

    def __init__(
        self,
        what: str,
        frames: list[traceback.FrameSummary],
        caller: str,
        exception: str,
        details: str,
    ) -> None:
        self.what = what
        self.frames = frames
        self.caller = caller
        self.exception = exception
        self.details = details
        where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        super().__init__(f"{exception.strip() or f'your code {what}'}{where}")

    @classmethod
    def from_exception(cls, error: BaseException) -> UserCodeError | None:
        """The error as one from user code, or None when no user frame is in its traceback."""
        every = traceback.extract_tb(error.__traceback__)
        first = next((i for i, frame in enumerate(every) if is_user_file(frame.filename)), None)
        if first is None:
            return None
        frames = [frame for frame in every[first:] if is_user_file(frame.filename)]
        caller = ""
        if first > 0:
            frame = every[first - 1]
            caller = f"{_package_path(frame.filename)}:{frame.lineno} in {frame.name}"
        if isinstance(error, SystemExit):
            what, exception = f"called sys.exit({error.code!r})", ""
        else:
            what = f"raised {type(error).__name__}"
            exception = "".join(traceback.format_exception_only(type(error), error))
        return cls(what, frames, caller, exception, "".join(traceback.format_exception(error)))

    def user_traceback(self) -> str:
        """The user's frames alone and the exception, as Python prints a traceback."""
        frames = "".join(traceback.format_list(self.frames))
        return f"Traceback (most recent call last; your code only):\n{frames}{self.exception}"


def is_user_file(filename: str) -> bool:
    """Whether ``filename`` is neither tf1repro's nor the Python installation's (nor frozen,
    nor a file TensorFlow's autograph generated from a function it traced)."""
    if filename.startswith("<") or Path(filename).name.startswith("__autograph_generated_file"):
        return False
    resolved = str(Path(filename).resolve())
    return not any(resolved == root or resolved.startswith(root + "/") for root in _NOT_USER)


def _package_path(filename: str) -> str:
    """``tf1repro/backends/__init__.py`` for a file of tf1repro; other paths as they are."""
    path = Path(filename).resolve()
    package = Path(__file__).resolve().parent
    return str(path.relative_to(package.parent)) if path.is_relative_to(package) else filename
