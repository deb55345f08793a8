"""The child-process side of ``tf1repro legacy run``: prepare the interpreter, then run the script.

Started as ``python bootstrap.py STAGING`` (by file path, not ``-m``), with the run described in
``STAGING/config.json``. It imports nothing from tf1repro (its parts, the stand-ins they serve
and the recorder are loaded from their files), so the script finds no trace of tf1repro in its
process, and it uses only the standard library until the script itself imports TensorFlow,
NumPy or matplotlib. The preloaded interpreter (``zygote.py``) imports this file as
``bootstrap`` and calls ``main`` in each forked child.

This file puts together the parts in ``child/``, one job each (their docstrings say what each
changes for the script, and why):

* ``lifeline``: the script dies with its parent, and so does everything it started.
* ``output``: the script's streams; tracebacks and warnings without the runner's frames,
  naming the script's real folder; the summary of an uncaught exception.
* ``imports``: ``import tensorflow`` in the script's code yields ``tf.compat.v1`` (v2 behaviour
  disabled); TF 1.x's keyword-only guard on the cross-entropy losses.
* ``compat``: the compatibility layer (stand-ins, Keras 2, soft placement), unless strict.
* ``standins/downloads.py`` (``--data-cache``): every download the script makes (urllib,
  requests, hence Keras' ``get_file``, and ``input_data``'s MNIST) is served from the parent's
  pinned data cache, whether or not the compatibility layer is on.
* ``seeds``: ``random``, NumPy and every graph seeded, when a seed is given.
* ``figures``: ``plt.show()`` saves the figures.
* ``outcome``: ``child.json``, what the parent learns about the run.
* ``versions``: the installed versions, and whether Keras 2 can serve ``tf.keras``.
* ``staging``: the names of the files exchanged with the parent.

Two steps live here, as they join the parts: the script runs from a working copy of its folder
(made by the parent), as its working directory, so its sibling files are found and the files it
writes stay in the run; and with ``--record`` every ``Session.run`` is observed, and what each
graph's training steps fed, started from and computed is written to ``recording.json`` at the
end (``tf1repro/recording/recorder.py``), the script's own calls and numbers unchanged.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import runpy
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

HERE = Path(__file__).resolve().parent
#: The parts of this file, one job each (see ``child/__init__.py``).
PARTS = HERE / "child"
#: The stand-in modules, loaded from their files under the names of what they replace.
STANDINS = HERE / "standins"
#: TF 1.x's MNIST reader, ``tf1repro.mnist.input_data``, the stand-in for
#: ``tensorflow.examples.tutorials.mnist.input_data`` (a ported program imports it by name).
MNIST_READER = HERE.parent / "mnist" / "input_data.py"
#: The Session observer of ``--record``, loaded from its file once TensorFlow is imported.
RECORDER = HERE.parent / "recording" / "recorder.py"

#: This file, its parts and the preloaded interpreter that may run it (zygote.py): their frames
#: are the runner's, not the script's.
RUNNER_FILES = (
    __file__,
    str(Path(__file__).with_name("zygote.py")),
    *sorted(str(part) for part in PARTS.glob("*.py")),
    str(MNIST_READER),
)


def load_file(name: str, path: Path) -> ModuleType:
    """Run the module in ``path`` as ``name`` (registered in ``sys.modules`` first, as an import
    would): how the child loads its parts, the stand-ins and the recorder without importing
    tf1repro."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_part(name: str) -> Any:
    return load_file(f"tf1repro_legacy_{name}", PARTS / f"{name}.py")


if TYPE_CHECKING:
    # The type checker reads the parts as the package's modules they also are.
    from tf1repro.legacy.child import (
        compat,
        figures,
        imports,
        lifeline,
        outcome,
        output,
        seeds,
        staging,
        versions,
    )
else:
    staging = load_part("staging")
    lifeline = load_part("lifeline")
    versions = load_part("versions")
    outcome = load_part("outcome")
    output = load_part("output")
    seeds = load_part("seeds")
    figures = load_part("figures")
    compat = load_part("compat")
    imports = load_part("imports")


class Child:
    """One bootstrapped run: the parts, put together; ``main`` creates exactly one."""

    def __init__(self, folder: Path, config: dict[str, Any]) -> None:
        self.folder = folder
        self.seed: int | None = config["seed"]
        self.work = Path(config["work"])
        self.script = self.work / config["script"]
        self.stdin: bool = config.get("stdin", False)
        self.record: dict[str, Any] | None = config.get("record")
        self.data_cache: dict[str, str] | None = config.get("data_cache")
        self.recorder: Any = None
        self.alias: imports.TensorFlowAlias | None = None
        self.outcome = outcome.Outcome(folder / staging.INFO_FILE, versions.installed)
        self.output = output.Output(self.work, Path(config["origin"]), RUNNER_FILES, STANDINS)
        self.figures = figures.Figures(folder, staging.FIGURE_PATTERN, self.outcome.figures)
        self.layer = compat.Layer(config, STANDINS, MNIST_READER, load_file, self.outcome.report)
        self.hook = imports.ImportHook(
            self.output.is_user_file, self.layer, self.tensorflow, self.figures.watch
        )

    def install(self) -> None:
        """Everything that must be in place before the script's first line."""
        self.output.open_streams(
            self.folder / staging.STDIN_FILE if self.stdin else None,
            self.folder / staging.STDERR_FILE,
            self.folder / staging.STACK_FILE,
        )
        builtins.__import__ = self.hook
        if self.data_cache is not None:
            downloads = load_file("tf1repro_legacy_downloads", STANDINS / "downloads.py")
            downloads.install(self.data_cache["socket"])
            self.layer.fetch = downloads.path
        if self.layer.on:
            self.layer.use_keras(*versions.keras_choice(versions.installed()))
        cache = None if self.data_cache is None else self.data_cache["folder"]
        self.outcome.layer.update(
            {**self.layer.settings(), "data_cache": cache, "stdin": self.stdin}
        )
        if self.seed is not None:
            seeds.reseed(self.seed)
        self.outcome.write(exit_code=None)

    def tensorflow(self) -> imports.TensorFlowAlias:
        """Import TensorFlow once, prepare it for the script, and give the script's alias."""
        if self.alias is not None:
            return self.alias
        tf = imports.import_tensorflow(self.output.tf_log)
        v1: Any = tf.compat.v1
        imports.guard_losses(v1)
        self.layer.patch(v1)
        if self.seed is not None:
            seeds.seed_graphs(v1, self.seed)
        if self.record is not None:
            self.start_recorder(self.record)
        self.alias = imports.TensorFlowAlias(tf, self.layer)
        return self.alias

    def start_recorder(self, record: dict[str, Any]) -> None:
        """Observe every ``Session.run`` (see ``recorder.py``)."""
        module = load_file("tf1repro_legacy_recorder", RECORDER)
        self.recorder = module.Recorder(
            self.folder / staging.RECORDING_FILE, record["steps"], record["bytes"]
        )
        self.recorder.install()

    def run(self, args: list[str]) -> int:
        sys.argv = [str(self.script), *args]
        # Run as `python SCRIPT` would: the script's folder first on sys.path, not ours.
        sys.path[0] = str(self.work)
        exception = None
        try:
            runpy.run_path(str(self.script), run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = outcome.exit_code(stop)
        except BaseException as error:
            exception = self.output.describe(error)
            code = 1
        self.figures.save()
        if self.recorder is not None:
            self.recorder.write()
        self.outcome.write(exit_code=code, exception=exception)
        return code


def main(argv: list[str]) -> int:
    if argv == ["--versions"]:  # what `legacy matrix` asks each interpreter
        print(json.dumps(versions.installed()))
        return 0
    folder = Path(argv[0])
    config = json.loads((folder / staging.CONFIG_FILE).read_text())
    lifeline.die_with_parent(config["parent"])
    lifeline.start_watcher(config["pipe"], folder)
    os.chdir(config["work"])
    child = Child(folder, config)
    child.install()
    return child.run(config["args"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
