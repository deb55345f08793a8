"""The child-process side of ``tf1repro legacy run``: prepare the interpreter, then run the script.

Started as ``python bootstrap.py STAGING SEED SCRIPT [ARGS...]`` (by file path, not ``-m``): it
imports nothing from tf1repro, so the script finds no trace of tf1repro in its process, and it
uses only the standard library until the script itself imports TensorFlow, NumPy or matplotlib.

What it changes for the script, and why:

* **TensorFlow 1 names.** ``builtins.__import__`` is wrapped, and only imports made by the
  script's own code (files in the script's folder) are redirected: ``import tensorflow as tf``,
  ``import tensorflow.compat.v1 as tf`` and ``from tensorflow import ...`` yield
  ``tf.compat.v1`` with v2 behaviour disabled; ``from tensorflow.python... import ...`` is left
  alone. TensorFlow's own modules and libraries such as Keras keep seeing the real package.
* **TF 1.x argument guard.** TF 1.x refused positional arguments in the ``*_cross_entropy_with_
  logits`` losses; TF 2's ``compat.v1`` silently takes the first two as ``labels, logits``, so
  ``softmax_cross_entropy_with_logits(logits, labels)`` trains on swapped inputs. The guard is
  put back, with TF 1.x's error message.
* **Seeds** (when SEED is not empty): ``random`` and NumPy's global RandomState are seeded before
  the script starts; every ``tf.Graph`` the script makes gets graph seed SEED; and each
  ``reset_default_graph()`` reseeds ``random`` and NumPy as well, so every fresh default graph
  starts from the same seeds.
* **Figures.** matplotlib uses Agg (set by the parent); ``plt.show()`` saves each open figure as
  ``figure_NN.png`` in STAGING and closes it; figures still open at the end are saved too.
* **Output.** File descriptor 1 (stdout) and 2 (TensorFlow's C++ logs) were opened by the parent.
  Python's ``sys.stderr`` is moved to ``stderr.txt``, so the script's tracebacks and warnings land
  there, while TensorFlow's Python logger and warnings raised inside TensorFlow, Keras or absl go
  to the TensorFlow log with the C++ noise.
* **Outcome.** ``child.json`` records the versions, the exit code, the figures and, for an
  uncaught exception, its type, message and the script's line. On SIGUSR1 (the parent's timeout)
  every thread's stack is dumped to ``stack.txt`` before the parent kills the process group.
"""

from __future__ import annotations

import builtins
import faulthandler
import functools
import importlib.metadata
import json
import os
import platform
import random
import runpy
import signal
import site
import sys
import traceback
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

STDERR_FILE = "stderr.txt"
STACK_FILE = "stack.txt"
INFO_FILE = "child.json"
FIGURE_PATTERN = "figure_{:02d}.png"

#: TF 1.x guarded these with a ``_sentinel`` first argument; TF 2's compat.v1 dropped the guard.
KEYWORD_ONLY_LOSSES = (
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits",
)

#: Warnings raised from files under these package folders belong to TensorFlow's noise.
NOISY_PACKAGES = ("tensorflow", "keras", "tf_keras", "absl")

#: The distributions that may provide ``import tensorflow``, in the order they are looked up.
TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tf-nightly", "tf-nightly-cpu")


class TensorFlowAlias(ModuleType):
    """What the script gets for ``tensorflow``: the attributes of ``tf.compat.v1``, then the
    real package's loaded submodules (``tensorflow.python``...)."""

    def __init__(self, v1: ModuleType) -> None:
        super().__init__("tensorflow", v1.__doc__)
        self._v1 = v1

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self._v1, name)
        except AttributeError:
            pass
        # `import tensorflow.python.framework.ops` binds `tensorflow` to this alias; its
        # submodules stay reachable as attributes, as they are on the real package.
        submodule = sys.modules.get(f"tensorflow.{name}")
        if submodule is not None:
            return submodule
        raise AttributeError(f"module 'tensorflow' (tf.compat.v1) has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._v1)) | set(self.__dict__))


class Child:
    """The state of one bootstrapped run; ``main`` creates exactly one."""

    def __init__(self, staging: Path, seed: int | None, script: Path) -> None:
        self.staging = staging
        self.seed = seed
        self.script = script
        self.user_folder = str(script.parent) + os.sep
        self.installed = tuple(
            os.path.abspath(folder) + os.sep
            for folder in {sys.prefix, sys.base_prefix, *site.getsitepackages()}
        )
        self.alias: TensorFlowAlias | None = None
        self.figures: list[str] = []
        self.pyplot_patched = False
        # A dup of fd 2 shares its file offset, so Python's lines and C++ lines interleave.
        self.tf_log = open(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        self.real_import = builtins.__import__

    # -- set-up ------------------------------------------------------------------------------

    def install(self) -> None:
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        sys.stderr = open(  # noqa: SIM115
            self.staging / STDERR_FILE, "w", buffering=1, encoding="utf-8", errors="replace"
        )
        stack = open(self.staging / STACK_FILE, "w")  # noqa: SIM115
        faulthandler.register(signal.SIGUSR1, file=stack, all_threads=True)
        warnings.showwarning = self.show_warning
        builtins.__import__ = self.import_hook
        if self.seed is not None:
            self.reseed()
        self.write_info(exit_code=None)

    def reseed(self) -> None:
        """Seed ``random`` and NumPy's global RandomState (NumPy is imported to do so)."""
        random.seed(self.seed)
        import numpy

        numpy.random.seed(self.seed)

    def import_hook(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        if level == 0 and name.partition(".")[0] == "tensorflow" and self.is_user_code(globals):
            alias = self.tensorflow()
            module = self.real_import(name, globals, locals, fromlist, level)
            if fromlist and name != "tensorflow":
                return module
            return alias
        module = self.real_import(name, globals, locals, fromlist, level)
        if not self.pyplot_patched:
            pyplot = sys.modules.get("matplotlib.pyplot")
            # Patch once pyplot has finished loading, not from an import nested inside it.
            if pyplot is not None and not getattr(pyplot.__spec__, "_initializing", False):
                self.patch_pyplot(pyplot)
        return module

    def is_user_code(self, importer_globals: Any) -> bool:
        """Whether an import comes from the script's folder, and not from installed packages
        (a virtualenv inside that folder holds TensorFlow and Keras themselves)."""
        path = (importer_globals or {}).get("__file__")
        if not isinstance(path, str):
            return False
        path = os.path.abspath(path)
        return path.startswith(self.user_folder) and not path.startswith(self.installed)

    def tensorflow(self) -> TensorFlowAlias:
        """Import TensorFlow once, with its start-up noise sent to the TensorFlow log."""
        if self.alias is not None:
            return self.alias
        saved, sys.stderr = sys.stderr, self.tf_log
        try:
            import tensorflow as tf

            tf.get_logger()  # creates its handler now, on the TensorFlow log
            v1 = tf.compat.v1
            v1.disable_v2_behavior()
        finally:
            sys.stderr = saved
        self.patch_tensorflow(v1)
        self.alias = TensorFlowAlias(v1)
        return self.alias

    def patch_tensorflow(self, v1: Any) -> None:
        from tensorflow.python.framework import ops

        for loss in KEYWORD_ONLY_LOSSES:
            setattr(v1.nn, loss, keyword_only(getattr(v1.nn, loss)))
        if self.seed is None:
            return
        seed = self.seed
        make_graph = ops.Graph.__init__

        @functools.wraps(make_graph)
        def seeded_graph(graph: Any, *args: Any, **kwargs: Any) -> None:
            make_graph(graph, *args, **kwargs)
            if type(graph) is ops.Graph:  # not TensorFlow's internal function graphs
                graph.seed = seed

        ops.Graph.__init__ = seeded_graph
        v1.set_random_seed(seed)  # the default graph may exist already
        reset = ops.reset_default_graph

        @functools.wraps(reset)
        def reset_and_reseed() -> None:
            reset()
            self.reseed()

        ops.reset_default_graph = reset_and_reseed
        for namespace in (v1, v1.compat.v1):
            namespace.reset_default_graph = reset_and_reseed

    def patch_pyplot(self, pyplot: Any) -> None:
        self.pyplot_patched = True

        @functools.wraps(pyplot.show)
        def show(*args: Any, **kwargs: Any) -> None:
            self.save_figures()

        pyplot.show = show

    def save_figures(self) -> None:
        """Save each open figure as the next ``figure_NN.png``, then close it, as a window would."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in pyplot.get_fignums():
            name = FIGURE_PATTERN.format(len(self.figures) + 1)
            pyplot.figure(number).savefig(self.staging / name, format="png")
            self.figures.append(name)
        pyplot.close("all")

    def show_warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        parts = set(Path(filename).parts)
        target = self.tf_log if parts.intersection(NOISY_PACKAGES) else sys.stderr
        target.write(warnings.formatwarning(message, category, filename, lineno, line))

    # -- running -----------------------------------------------------------------------------

    def run(self, args: list[str]) -> int:
        sys.argv = [str(self.script), *args]
        # Run as `python SCRIPT` would: the script's folder first on sys.path, not ours.
        sys.path[0] = str(self.script.parent)
        exception = None
        try:
            runpy.run_path(str(self.script), run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = exit_code(stop)
        except BaseException as error:
            exception = self.describe(error)
            code = 1
        self.save_figures()
        self.write_info(exit_code=code, exception=exception)
        return code

    def describe(self, error: BaseException) -> dict[str, Any]:
        """Print the traceback as Python would (from the script down) and summarise it."""
        frames = traceback.extract_tb(error.__traceback__)
        script = str(self.script)
        starts = [i for i, frame in enumerate(frames) if frame.filename == script]
        shown = frames[starts[0] :] if starts else frames
        text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(shown))
        sys.stderr.write(text + "".join(traceback.format_exception_only(type(error), error)))
        line = frames[starts[-1]].lineno if starts else None
        if line is None and isinstance(error, SyntaxError) and error.filename == script:
            line = error.lineno
        causes: list[dict[str, str]] = []
        cause = error.__cause__ or error.__context__
        while cause is not None and len(causes) < 5:
            causes.append({"type": type(cause).__name__, "message": str(cause)})
            cause = cause.__cause__ or cause.__context__
        return {
            "type": type(error).__name__,
            "message": str(error),
            "line": line,
            "causes": causes,
        }

    def write_info(self, exit_code: int | None, exception: dict[str, Any] | None = None) -> None:
        info = {
            "versions": versions(),
            "exit_code": exit_code,
            "figures": self.figures,
            "exception": exception,
        }
        (self.staging / INFO_FILE).write_text(json.dumps(info, indent=1))


def keyword_only(loss: Any) -> Any:
    @functools.wraps(loss)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if args:
            raise ValueError(
                f"Only call `{loss.__name__}` with named arguments (labels=..., logits=..., ...)"
            )
        return loss(**kwargs)

    return guarded


def exit_code(stop: SystemExit) -> int:
    """The status ``sys.exit(value)`` gives the shell."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def versions() -> dict[str, str]:
    """Versions from package metadata, without importing anything heavy."""
    found = {"python": platform.python_version()}
    for key, distributions in (("tensorflow", TENSORFLOW_DISTRIBUTIONS), ("numpy", ("numpy",))):
        for distribution in distributions:
            try:
                found[key] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return found


def main(argv: list[str]) -> int:
    staging, seed, script, *args = argv
    child = Child(Path(staging), int(seed) if seed else None, Path(script).resolve())
    child.install()
    return child.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
