"""The child-process side of ``tf1repro legacy run``: prepare the interpreter, then run the script.

Started as ``python bootstrap.py STAGING`` (by file path, not ``-m``), with the run described in
``STAGING/config.json``. It imports nothing from tf1repro (the stand-ins it serves are loaded
from their files), so the script finds no trace of tf1repro in its process, and it uses only the
standard library until the script itself imports TensorFlow, NumPy or matplotlib.

What it changes for the script, and why:

* **Its parent.** The child asks the kernel to kill it when the parent dies
  (``PR_SET_PDEATHSIG``), and forks a small watcher that holds the read end of a pipe whose only
  writer is the parent: when the parent is gone (even after SIGKILL) the pipe reads EOF, and the
  watcher removes the staging folder and kills the script's whole process group, so nothing the
  script started outlives the run.
* **Its folder.** The script runs from a working copy of its folder (made by the parent), as its
  working directory, so its sibling files are found and the files it writes stay in the run.
* **TensorFlow 1 names.** ``builtins.__import__`` is wrapped, and only imports made by the
  script's own code (files in its folder) are redirected: ``import tensorflow as tf``,
  ``import tensorflow.compat.v1 as tf`` and ``from tensorflow import ...`` yield
  ``tf.compat.v1`` with v2 behaviour disabled; ``from tensorflow.python... import ...`` is left
  alone. TensorFlow's own modules and libraries such as Keras keep seeing the real package.
* **The compatibility layer** (unless the run is strict), every use reported in ``child.json``:
  ``tensorflow.examples.tutorials.mnist.input_data`` over local MNIST files (``standins/``);
  the ``tf.contrib`` names with a faithful TensorFlow 2 home (``standins/contrib.py``); Keras 2
  (tf-keras, ``TF_USE_LEGACY_KERAS=1`` before TensorFlow loads) for ``tf.keras``, ``tf.layers``
  and a script's own ``import keras`` on TensorFlow >= 2.16, when the matching tf-keras is
  installed; and, when asked, soft device placement for every ``Session``.
* **TF 1.x argument guard.** TF 1.x refused positional arguments in the ``*_cross_entropy_with_
  logits`` losses; TF 2's ``compat.v1`` silently takes the first two as ``labels, logits``, so
  ``softmax_cross_entropy_with_logits(logits, labels)`` trains on swapped inputs. The guard is
  put back, with TF 1.x's error message.
* **Downloads** (``--data-cache``): ``standins/downloads.py`` serves every download the
  script makes (urllib, requests, hence Keras' ``get_file``, and ``input_data``'s MNIST) from
  the parent's pinned data cache, whether or not the compatibility layer is on.
* **Seeds** (when a seed is given): ``random`` and NumPy's global RandomState are seeded before
  the script starts; every ``tf.Graph`` the script makes gets the graph seed (the default graph
  too, when it is first made, so ``tf.enable_eager_execution()`` still works as line 1, and then
  seeds the eager context); each ``reset_default_graph()`` reseeds ``random`` and NumPy as well.
* **Recording** (``--record``): every ``Session.run`` is observed, and what each graph's
  training steps fed, started from and computed is written to ``recording.json`` in STAGING at
  the end (``tf1repro/recording/recorder.py``); the script's own calls and numbers are not changed.
* **Figures.** matplotlib uses Agg (set by the parent); ``plt.show()`` saves each open figure as
  ``figure_NN.png`` in STAGING and closes it; figures still open at the end are saved too.
* **Output.** File descriptor 1 (stdout) and 2 (TensorFlow's C++ logs) were opened by the parent.
  Python's ``sys.stderr`` is moved to ``stderr.txt``, so the script's tracebacks and warnings land
  there, while TensorFlow's Python logger and warnings raised inside TensorFlow, Keras or absl go
  to the TensorFlow log with the C++ noise. Tracebacks hold no frame of this file or the
  stand-ins, and name the script's real folder, not the working copy.
* **Outcome.** ``child.json`` records the versions, the exit code, the figures, the layer's
  substitutions and, for an uncaught exception, its type, message, the file, line and source
  text of the script's code (the script or a helper module beside it) where it happened, and
  the module that raised it (TensorFlow's own checks are told apart so). On SIGUSR1 (the
  parent's timeout) every thread's stack is dumped to ``stack.txt`` before the parent kills the
  process group.
"""

from __future__ import annotations

import builtins
import ctypes
import faulthandler
import functools
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import runpy
import shutil
import signal
import site
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

CONFIG_FILE = "config.json"
STDERR_FILE = "stderr.txt"
STACK_FILE = "stack.txt"
#: What the script reads on its standard input (``--stdin``), copied into STAGING by the parent.
STDIN_FILE = "stdin.txt"
INFO_FILE = "child.json"
RECORDING_FILE = "recording.json"
FIGURE_PATTERN = "figure_{:02d}.png"

#: The stand-in modules, loaded from their files under the names of what they replace.
STANDINS = Path(__file__).resolve().parent / "standins"
#: The Session observer of ``--record``, loaded from its file once TensorFlow is imported.
RECORDER = Path(__file__).resolve().parent.parent / "recording" / "recorder.py"
INPUT_DATA = "tensorflow.examples.tutorials.mnist.input_data"

#: This file and the preloaded interpreter that may run it (zygote.py): their frames are the
#: runner's, not the script's.
RUNNER_FILES = (__file__, str(Path(__file__).with_name("zygote.py")))

#: linux/prctl.h
PR_SET_PDEATHSIG = 1
#: The exit status of a child whose parent died before it could ask to die with it.
EXIT_ORPHANED = 125

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

#: The first release whose ``tf.keras`` is Keras 3.
KERAS3_RELEASE = (2, 16)

#: ``tf.<name>`` attributes that Keras 2 serves when legacy Keras is on.
KERAS_NAMES = ("keras", "layers")


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


#: The real package's facts about its build that TF1 scripts read (``tf.__version__``...).
BUILD_FACTS = (
    "__version__",
    "__git_version__",
    "__compiler_version__",
    "__cxx11_abi_flag__",
    "__cxx_version__",
    "__monolithic_build__",
)


class TensorFlowAlias(ModuleType):
    """What the script gets for ``tensorflow``: the attributes of ``tf.compat.v1``, the stand-ins
    of the compatibility layer, then the real package's loaded submodules."""

    def __init__(self, v1: ModuleType, child: Child, package: ModuleType) -> None:
        super().__init__("tensorflow", v1.__doc__)
        self._v1 = v1
        self._child = child
        # Scripts print `tf.__version__`; these are the real package's, not v1's.
        for name in BUILD_FACTS:
            if hasattr(package, name):
                setattr(self, name, getattr(package, name))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        child = self._child
        if name == "contrib" and child.compat:
            return child.contrib()
        try:
            value = getattr(self._v1, name)
        except AttributeError:
            pass
        else:
            if name in KERAS_NAMES and child.legacy_keras:
                child.report(f"tf.{name}", f"Keras 2 ({child.legacy_keras})")
            return value
        # `import tensorflow.python.framework.ops` binds `tensorflow` to this alias; its
        # submodules stay reachable as attributes, as they are on the real package.
        submodule = sys.modules.get(f"tensorflow.{name}")
        if submodule is not None:
            return submodule
        child.report(f"tf.{name}", "")
        raise AttributeError(f"module 'tensorflow' (tf.compat.v1) has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._v1)) | set(self.__dict__))


class Child:
    """The state of one bootstrapped run; ``main`` creates exactly one."""

    def __init__(self, staging: Path, config: dict[str, Any]) -> None:
        self.staging = staging
        self.seed: int | None = config["seed"]
        self.work = Path(config["work"])
        self.origin = Path(config["origin"])
        self.script = self.work / config["script"]
        self.compat: bool = config["compat"]
        self.data_dir: str | None = config["data_dir"]
        self.soft_placement: bool = config["soft_placement"]
        self.stdin: bool = config.get("stdin", False)
        self.record: dict[str, Any] | None = config.get("record")
        self.data_cache: dict[str, str] | None = config.get("data_cache")
        self.downloads: Any = None
        self.recorder: Any = None
        self.user_folder = str(self.work) + os.sep
        self.installed = tuple(
            os.path.abspath(folder) + os.sep
            for folder in {sys.prefix, sys.base_prefix, *site.getsitepackages()}
        )
        self.alias: TensorFlowAlias | None = None
        self.contrib_module: ModuleType | None = None
        self.legacy_keras = ""
        self.layer_notes: dict[str, Any] = {}
        self.substitutions: dict[str, str] = {}
        self.figures: list[str] = []
        self.pyplot_patched = False
        # A dup of fd 2 shares its file offset, so Python's lines and C++ lines interleave.
        self.tf_log = open(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        self.real_import = builtins.__import__

    # -- set-up ------------------------------------------------------------------------------

    def install(self) -> None:
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        if self.stdin:
            self.feed_stdin()
        sys.stderr = open(  # noqa: SIM115
            self.staging / STDERR_FILE, "w", buffering=1, encoding="utf-8", errors="replace"
        )
        stack = open(self.staging / STACK_FILE, "w")  # noqa: SIM115
        faulthandler.register(signal.SIGUSR1, file=stack, all_threads=True)
        warnings.showwarning = self.show_warning
        builtins.__import__ = self.import_hook
        if self.data_cache is not None:
            self.downloads = self.load_standin("tf1repro_legacy_downloads", "downloads.py")
            self.downloads.install(self.data_cache["socket"])
        if self.compat:
            self.choose_keras()
        self.layer_notes.update(
            {
                "on": self.compat,
                "legacy_keras": self.legacy_keras or self.layer_notes.get("legacy_keras", "off"),
                "soft_placement": self.soft_placement,
                "data_dir": self.data_dir,
                "data_cache": None if self.data_cache is None else self.data_cache["folder"],
                "stdin": self.stdin,
            }
        )
        if self.seed is not None:
            self.reseed()
        self.write_info(exit_code=None)

    def feed_stdin(self) -> None:
        """fd 0 (the parent's empty stdin) becomes the ``--stdin`` file, for ``input()`` and
        for the programs the script starts."""
        fd = os.open(self.staging / STDIN_FILE, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
        sys.stdin = open(0, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115

    def choose_keras(self) -> None:
        """Turn Keras 2 on when ``keras_choice`` says so; the environment variable must be set
        before TensorFlow is imported."""
        self.legacy_keras, note = keras_choice(versions())
        if self.legacy_keras:
            os.environ["TF_USE_LEGACY_KERAS"] = "1"
        else:
            self.layer_notes["legacy_keras"] = note

    def reseed(self) -> None:
        """Seed ``random`` and NumPy's global RandomState (NumPy is imported to do so)."""
        random.seed(self.seed)
        import numpy

        numpy.random.seed(self.seed)

    def report(self, api: str, stand_in: str) -> None:
        """Record that the script used ``api``, which TensorFlow 2 removed, and what served it."""
        if api not in self.substitutions:
            self.substitutions[api] = stand_in
            self.write_info(exit_code=None)

    def import_hook(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        top = name.partition(".")[0]
        if level == 0 and top in ("tensorflow", "keras") and self.is_user_code(globals):
            if top == "keras":
                if self.legacy_keras:
                    self.report("keras", f"Keras 2 ({self.legacy_keras})")
                    return self.real_import("tf_keras" + name[5:], globals, locals, fromlist, 0)
            else:
                alias = self.tensorflow()
                if self.compat and name.startswith(("tensorflow.contrib", "tensorflow.examples")):
                    return self.import_standin(name, fromlist)
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
        return isinstance(path, str) and self.is_user_file(path)

    def is_user_file(self, path: str) -> bool:
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
        if self.record is not None:
            self.start_recorder()
        self.alias = TensorFlowAlias(v1, self, tf)
        return self.alias

    def start_recorder(self) -> None:
        """Observe every ``Session.run`` (see ``recorder.py``); loaded by file, like the
        stand-ins, so the script's process holds no tf1repro module."""
        assert self.record is not None
        spec = importlib.util.spec_from_file_location("tf1repro_legacy_recorder", RECORDER)
        assert spec is not None and spec.loader is not None
        module: Any = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.recorder = module.Recorder(
            self.staging / RECORDING_FILE, self.record["steps"], self.record["bytes"]
        )
        self.recorder.install()

    # -- the compatibility layer -------------------------------------------------------------

    def load_standin(self, name: str, file: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, STANDINS / file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    def contrib(self) -> ModuleType:
        """The ``tf.contrib`` stand-in (made once, registered as ``tensorflow.contrib``)."""
        if self.contrib_module is None:
            assert self.alias is not None
            standin: Any = self.load_standin("tf1repro_legacy_contrib", "contrib.py")
            standin.REPORT = self.report
            self.contrib_module = standin.Contrib(self.alias._v1)
            sys.modules["tensorflow.contrib"] = self.contrib_module
        return self.contrib_module

    def input_data(self) -> ModuleType:
        """``tensorflow.examples.tutorials.mnist`` and its ``input_data`` stand-in."""
        module = sys.modules.get(INPUT_DATA)
        if module is None:
            parent: ModuleType | None = None
            for depth in range(2, 5):  # tensorflow.examples ... tensorflow.examples.tutorials.mnist
                package = ModuleType(".".join(INPUT_DATA.split(".")[:depth]))
                package.__path__ = []
                sys.modules[package.__name__] = package
                if parent is not None:
                    setattr(parent, package.__name__.rpartition(".")[2], package)
                parent = package
            module = self.load_standin(INPUT_DATA, "input_data.py")
            settings: Any = module
            settings.DATA_DIR = self.data_dir
            settings.FOLDER_MAP = (str(self.work), str(self.origin))
            settings.FETCH = None if self.downloads is None else self.downloads.path
            assert parent is not None
            parent.__dict__["input_data"] = module
            places = f"train_dir, then {self.data_dir}" if self.data_dir else "train_dir"
            if self.downloads is None:
                self.report(INPUT_DATA, f"local MNIST files ({places}; never downloaded)")
            else:
                self.report(INPUT_DATA, f"local MNIST files ({places}, then the data cache)")
        return module

    def import_standin(self, name: str, fromlist: Any) -> Any:
        """``import tensorflow.contrib...`` or ``tensorflow.examples...`` from the script."""
        assert self.alias is not None
        if name.startswith("tensorflow.examples"):
            if not INPUT_DATA.startswith(name):
                self.report(name, "")
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            self.input_data()
            module: Any = sys.modules[name]
        else:
            module = self.contrib()
            for part in name.split(".")[2:]:
                try:
                    module = getattr(module, part)
                except AttributeError as error:
                    raise ModuleNotFoundError(str(error), name=name) from None
        return module if fromlist else self.alias

    # -- patches -----------------------------------------------------------------------------

    def patch_tensorflow(self, v1: Any) -> None:
        for loss in KEYWORD_ONLY_LOSSES:
            setattr(v1.nn, loss, keyword_only(getattr(v1.nn, loss)))
        if self.soft_placement:
            self.place_softly(v1)
        if self.seed is not None:
            self.seed_graphs(v1, self.seed)

    def seed_graphs(self, v1: Any, seed: int) -> None:
        from tensorflow.python.framework import ops

        make_graph = ops.Graph.__init__

        @functools.wraps(make_graph)
        def seeded_graph(graph: Any, *args: Any, **kwargs: Any) -> None:
            make_graph(graph, *args, **kwargs)
            if type(graph) is ops.Graph:  # not TensorFlow's internal function graphs
                graph.seed = seed

        # The default graph is made on first use, and seeded then: making it now would stop
        # the script from calling tf.enable_eager_execution() as its first line.
        ops.Graph.__init__ = seeded_graph
        reset = ops.reset_default_graph

        @functools.wraps(reset)
        def reset_and_reseed() -> None:
            reset()
            self.reseed()

        ops.reset_default_graph = reset_and_reseed
        v1.reset_default_graph = reset_and_reseed
        enable = v1.enable_eager_execution

        @functools.wraps(enable)
        def enable_and_seed(*args: Any, **kwargs: Any) -> None:
            enable(*args, **kwargs)
            v1.set_random_seed(seed)  # the eager context's global seed

        v1.enable_eager_execution = enable_and_seed

    def place_softly(self, v1: Any) -> None:
        """Every Session places ops pinned to a missing device (``/gpu:0``) on one that exists."""
        v1.config.set_soft_device_placement(True)
        for session in (v1.Session, v1.InteractiveSession):
            session.__init__ = self.soft_session(v1, session.__init__)

    def soft_session(self, v1: Any, init: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(init)
        def soft_init(
            session: Any, target: str = "", graph: Any = None, config: Any = None
        ) -> None:
            placed = v1.ConfigProto()
            if config is not None:
                placed.CopyFrom(config)
            placed.allow_soft_placement = True
            self.report("tf.Session device placement", "allow_soft_placement=True")
            init(session, target, graph, placed)

        return soft_init

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

    # -- running -----------------------------------------------------------------------------

    def run(self, args: list[str]) -> int:
        sys.argv = [str(self.script), *args]
        # Run as `python SCRIPT` would: the script's folder first on sys.path, not ours.
        sys.path[0] = str(self.work)
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
        if self.recorder is not None:
            self.recorder.write()
        self.write_info(exit_code=code, exception=exception)
        return code

    def shown(self, text: str) -> str:
        """``text`` with the working copy's paths replaced by the script's real folder, and
        without the runner's frames that TensorFlow lists in its messages ("defined at")."""
        lines = [
            line
            for line in text.replace(str(self.work), str(self.origin)).split("\n")
            if not self.is_runner_line(line)
        ]
        return "\n".join(lines)

    def is_runner_line(self, line: str) -> bool:
        """A ``File "...", line N, in f`` line of a frame of the runner."""
        stripped = line.lstrip()
        if not stripped.startswith('File "'):
            return False
        return self.is_runner_frame(stripped[len('File "') :].partition('"')[0])

    def is_runner_frame(self, filename: str) -> bool:
        return (
            filename in RUNNER_FILES
            or filename.startswith(str(STANDINS))
            or filename.startswith("<frozen importlib._bootstrap")
            or filename == "<frozen runpy>"
            or filename == runpy.__file__
        )

    def without_runner(self, summary: traceback.TracebackException) -> None:
        """Drop this file's, the stand-ins' and the import machinery's frames, in every link."""
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

    def write_info(self, exit_code: int | None, exception: dict[str, Any] | None = None) -> None:
        info = {
            "versions": versions(),
            "exit_code": exit_code,
            "figures": self.figures,
            "exception": exception,
            "compat": self.layer_notes,
            "substitutions": [
                {"api": api, "stand_in": stand_in} for api, stand_in in self.substitutions.items()
            ],
        }
        temporary = self.staging / f".{INFO_FILE}.tmp"
        temporary.write_text(json.dumps(info, indent=1))
        os.replace(temporary, self.staging / INFO_FILE)


def raised_in(error: BaseException) -> str:
    """The module whose code raised ``error`` (its innermost frame), e.g.
    ``tensorflow.python.training.saver``: it tells TensorFlow's own checks from the script's."""
    tb = error.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", ""))


def keyword_only(loss: Any) -> Any:
    @functools.wraps(loss)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if args:
            raise ValueError(
                f"Only call `{loss.__name__}` with named arguments (labels=..., logits=..., ...)"
            )
        return loss(**kwargs)

    return guarded


def keras_choice(found: dict[str, str]) -> tuple[str, str]:
    """``("tf-keras X", "")`` when TensorFlow's own Keras is Keras 3 and the matching tf-keras
    is installed, else ``("", why Keras 2 stays off)``."""
    tensorflow, tf_keras = found.get("tensorflow", ""), found.get("tf_keras", "")
    if not tensorflow:
        return "", "off: TensorFlow is not installed"
    if release(tensorflow) < KERAS3_RELEASE:
        return "", f"not needed (TensorFlow {tensorflow} is Keras 2)"
    if not tf_keras:
        return "", "off: tf-keras is not installed"
    if release(tf_keras) != release(tensorflow):
        return "", f"off: tf-keras {tf_keras} does not match TensorFlow {tensorflow}"
    return f"tf-keras {tf_keras}", ""


def exit_code(stop: SystemExit) -> int:
    """The status ``sys.exit(value)`` gives the shell."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def release(version: str) -> tuple[int, ...]:
    """``"2.21.0rc1"`` -> ``(2, 21)``; ``()`` when unknown."""
    parts = version.split(".")[:2]
    return tuple(int(part) for part in parts) if all(p.isdigit() for p in parts) else ()


def versions() -> dict[str, str]:
    """Versions from package metadata, without importing anything heavy."""
    found = {"python": platform.python_version()}
    for key, distributions in (
        ("tensorflow", TENSORFLOW_DISTRIBUTIONS),
        ("numpy", ("numpy",)),
        ("tf_keras", ("tf-keras", "tf_keras")),
    ):
        for distribution in distributions:
            try:
                found[key] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return found


def main(argv: list[str]) -> int:
    if argv == ["--versions"]:  # what `legacy matrix` asks each interpreter
        print(json.dumps(versions()))
        return 0
    staging = Path(argv[0])
    config = json.loads((staging / CONFIG_FILE).read_text())
    die_with_parent(config["parent"])
    start_watcher(config["pipe"], staging)
    os.chdir(config["work"])
    child = Child(staging, config)
    child.install()
    return child.run(config["args"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
