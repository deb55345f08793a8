"""The one place that touches TensorFlow's process-wide state.

TensorFlow is imported here, lazily, and nowhere else at module level: ``import tf1repro`` stays
light, and commands that do not train never pay for TensorFlow. ``tf.compat.v1`` needs v2
behaviour disabled, which is process-global and cannot be undone, so it happens once, here. Each
run then gets a fresh ``Graph`` and a ``Session`` that is always closed.

TensorFlow is chatty: its C++ runtime writes notices straight to file descriptor 2 (some before
its own log level applies), and ``disable_v2_behavior`` logs deprecation warnings. Unless
``configure(verbose=True)`` was called first, those are swallowed while TensorFlow is imported
and while a session lives, which is where they come from; if the block fails, they are replayed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from tf1repro.errors import UserCodeError

_verbose = False
_v1: ModuleType | None = None


def configure(*, verbose: bool) -> None:
    """Choose, before TensorFlow is first imported, whether its logs reach the terminal."""
    global _verbose
    if _v1 is not None and verbose != _verbose:
        raise RuntimeError("runtime.configure() must be called before TensorFlow is imported")
    _verbose = verbose


def tf_v1() -> ModuleType:
    """``tensorflow.compat.v1`` with v2 behaviour disabled (imported on first call)."""
    global _v1
    if _v1 is None:
        if not _verbose:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        with _quiet_stderr():
            import tensorflow as tf

            if not _verbose:
                tf.get_logger().setLevel("ERROR")
            tf.compat.v1.disable_v2_behavior()
        _v1 = tf.compat.v1
    return _v1


def tensorflow_version() -> str:
    return str(tf_v1().__version__)


def versions() -> dict[str, str]:
    """The versions that decide a graph run's numbers."""
    import numpy as np

    return {"numpy": np.__version__, "tensorflow": tensorflow_version()}


@contextlib.contextmanager
def graph_session(seed: int, config: Any = None) -> Iterator[Any]:
    """A fresh default Graph with graph seed ``seed``, and a Session on it, closed on exit.

    Yields the Session; build ops inside the block (they go into the new graph) before running.
    ``config`` is an optional ``tf.compat.v1.ConfigProto`` for the Session. Unless verbose,
    file descriptor 2 is captured for the whole block: creating the Session and its first run
    print notices, and on TF 2.18-2.20 those ignore TF_CPP_MIN_LOG_LEVEL.
    """
    tf = tf_v1()
    graph = tf.Graph()
    with graph.as_default(), _quiet_stderr():
        tf.set_random_seed(seed)
        with tf.Session(graph=graph, config=config) as session:
            yield session


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to a scratch file for the block, unless verbose.

    If the block raises, what was written is replayed, so a failure keeps its diagnostics.
    """
    if _verbose:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except (ArithmeticError, KeyboardInterrupt):
            # A diverged run (DivergenceError) is the numbers' fault, not TensorFlow's, and a
            # stop (Ctrl-C, SIGTERM) the user's: its start-up notices would only bury the one
            # line that says so.
            raise
        except BaseException as error:
            # A user's tutorial that raised is theirs to fix from their own frames; TensorFlow's
            # notices (`failed call to cuInit`) would only bury them: --verbose shows them.
            if UserCodeError.from_exception(error) is None:
                sys.stderr.flush()
                os.dup2(saved, 2)
                sink.seek(0)
                os.write(2, sink.read())
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
