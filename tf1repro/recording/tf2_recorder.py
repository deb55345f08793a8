"""The child side of ``tf1repro port``'s proof: run the generated TF2 program, record its steps.

Started as ``python -m tf1repro.recording.tf2_recorder STAGING`` with ``STAGING/port.json``
saying which program to run (from which folder, with which arguments) and its training
functions (``steps.TrainStep``). The program is run unchanged, as ``__main__``; ``tf.function``'s
``__call__`` is wrapped (a wrapper that only looks up the called function, so the program runs
at full speed: a profile hook on every Python call cost a quarter of a program's time) to see
each call of a training function, and records, as the TF1 recorder
does for a graph, under the TF1 names: the variables before the first step (initial values),
which of the graph's training ops each step's function replaces (``trainers``), the feeds of
each step (converted to the placeholder's dtype, as ``Session.run`` converts
them), and after each step every variable and each recorded fetch computed again on that
step's feeds. Each graph stops after as many steps as the original's recording holds.
``STAGING/recording.json`` is written in the TF1 recorder's form, so ``reader.records_of``
reads both.

With a ``probe`` in the configuration (``graph``, ``step``, and the TF1 variables ``before`` and
``after`` that step, as the original's recording holds them), the program is stopped at that
step of that graph instead, as ``tf1repro diagnose`` needs it: the program's variables are set
to ``before`` and the step runs (its optimizer's slots as the program's own steps left them);
the variables it leaves are the ``update``; the variables are then set to ``after`` and every
recorded fetch computed again on the step's feeds, the ``forward`` pass. Both are written as
``probe`` in the recording file, and the program ends there.
"""

from __future__ import annotations

import ast
import json
import os
import runpy
import sys
import traceback
from collections.abc import Callable
from inspect import signature
from pathlib import Path
from typing import Any

import numpy as np

from tf1repro.legacy.child.lifeline import die_with_parent
from tf1repro.legacy.child.outcome import exit_code
from tf1repro.record import decode_array
from tf1repro.recording.recorded_json import encode

CONFIG_FILE = "port.json"
RECORDING_FILE = "recording.json"


class StepRecorder:
    """Records every training function of one program (see the module docstring)."""

    def __init__(
        self, program: str, steps: list[dict[str, Any]], probe: dict[str, Any] | None = None
    ) -> None:
        self.program = program
        self.steps = {(step["function"], step["line"]): step for step in steps}
        self.graphs: dict[int, dict[str, Any]] = {}
        self.calls: list[dict[str, Any] | None] = []
        self.probe = probe
        self.path: Path | None = None
        """Where ``write`` writes (set by ``main``): the probe writes there and ends."""
        self.concrete: dict[int, tuple[Any, Any, list[tuple[str, Any]]]] = {}
        """Per traced fetch function (by id): it, its one concrete function and its
        parameters' specs by name (see ``fetch``)."""

    def install(self) -> Callable[[], None]:
        """Wrap ``tf.function``'s ``__call__`` so that each call of one of the program's
        training functions is recorded; returns what puts the original back."""
        from tensorflow.python.eager.polymorphic_function.polymorphic_function import Function

        original = Function.__call__

        def call(traced: Any, *args: Any, **kwds: Any) -> Any:
            function = traced.python_function
            code = function.__code__
            step = None
            if code.co_filename == self.program:
                step = self.steps.get((code.co_name, code.co_firstlineno))
            if step is None:
                return original(traced, *args, **kwds)
            given = signature(function).bind(*args, **kwds).arguments
            arguments = self.before(step, traced, function.__globals__, given)
            result = original(traced, *args, **kwds)
            if arguments is not None:
                self.after(step, function.__globals__, arguments)
            return result

        Function.__call__ = call
        return lambda: setattr(Function, "__call__", original)

    def before(
        self, step: dict[str, Any], traced: object, names: dict[str, Any], given: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The call's arguments; None once every graph of the step has been recorded."""
        # A training function defined again (its ``def`` in a loop) trains the next graph.
        if step.setdefault("current", traced) is not traced:
            step["current"] = traced
            step["graphs"], step["steps"] = step["graphs"][1:], step["steps"][1:]
        if not step["graphs"]:
            return None
        graph = self.graphs.setdefault(
            step["graphs"][0], {"steps": 0, "arrays": {}, "trainers": []}
        )
        if not graph["steps"] and "initial" not in graph:
            graph["initial"] = self.variables(step, names)
        if self.probing(step, graph):
            assert self.probe is not None
            self.assign(step, names, self.probe["before"])
        return {name: given[name] for name in step["params"]}

    def probing(self, step: dict[str, Any], graph: dict[str, Any]) -> bool:
        """Whether this call of ``step`` is the step the probe runs."""
        probe = self.probe
        return (
            probe is not None
            and step["graphs"][0] == probe["graph"]
            and graph["steps"] == probe["step"] - 1
        )

    def assign(self, step: dict[str, Any], names: dict[str, Any], values: dict[str, Any]) -> None:
        """Set the program's variables to ``values`` (by TF1 name, in the record's JSON form)."""
        for name, tf1 in step["variables"].items():
            variable(names, name).assign(decode_array(values[tf1], f"probe.{tf1}"))

    def after(self, step: dict[str, Any], names: dict[str, Any], given: dict[str, Any]) -> None:
        graph = self.graphs[step["graphs"][0]]
        if graph["steps"] >= step["steps"][0]:
            return
        arrays = {
            f"feeds:{tf1}": np.array(given[name], dtype=dtype)
            for name, (tf1, dtype) in step["feeds"].items()
        }
        for tf1, value in self.variables(step, names).items():
            arrays[f"variables:{tf1}"] = value
        for tf1, (function, params) in step["fetches"].items():
            value = self.fetch(names[function], {name: given[name] for name in params})
            arrays[f"fetches:{tf1}"] = np.array(value.numpy())
        if self.probing(step, graph):
            self.end_probe(step, names, given, arrays)
        for key, value in arrays.items():
            graph["arrays"].setdefault(key, []).append(value)
        graph["trainers"].append(step["trainer"])
        graph["steps"] += 1

    def fetch(self, function: Any, arguments: dict[str, Any]) -> Any:
        """``function(**arguments)``. A traced function with an input signature has one
        concrete function: it is run directly, on the arguments converted to their specs as the
        traced function's own call converts them (``TensorSpec.cast``), which takes half the
        time of the call (a recorded fetch is a third of a program's calls)."""
        import tensorflow as tf

        held = self.concrete.get(id(function))
        if held is None or held[0] is not function:
            specs = getattr(function, "input_signature", None)
            if specs is None or not all(isinstance(s, tf.TensorSpec) for s in specs):
                return function(**arguments)
            named = list(zip(signature(function.python_function).parameters, specs, strict=True))
            held = (function, function.get_concrete_function(), named)
            self.concrete[id(function)] = held
        _, concrete, named = held
        return concrete(
            **{name: tf.convert_to_tensor(arguments[name], spec.dtype) for name, spec in named}
        )

    def end_probe(
        self,
        step: dict[str, Any],
        names: dict[str, Any],
        given: dict[str, Any],
        arrays: dict[str, Any],
    ) -> None:
        """Write what the probed step updated and the forward pass from the recorded state
        after it, then end the program: nothing after that step is needed."""
        assert self.probe is not None and self.path is not None
        update = {
            key.partition(":")[2]: encode(value)
            for key, value in arrays.items()
            if key.startswith("variables:")
        }
        self.assign(step, names, self.probe["after"])
        forward = {}
        for tf1, (function, params) in step["fetches"].items():
            value = names[function](**{name: given[name] for name in params})
            forward[tf1] = encode(np.array(value.numpy()))
        probe = {"update": update, "forward": forward}
        self.path.write_text(json.dumps({"graphs": [], "probe": probe}, allow_nan=False))
        sys.stdout.flush()
        # The rest of the program (its remaining steps, its prints) is not wanted.
        os._exit(0)

    def variables(self, step: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
        return {
            tf1: np.array(variable(names, name).numpy()) for name, tf1 in step["variables"].items()
        }

    def write(self, path: Path) -> None:
        graphs = []
        for number, graph in sorted(self.graphs.items()):
            groups: dict[str, dict[str, Any]] = {"feeds": {}, "variables": {}, "fetches": {}}
            for key, values in graph["arrays"].items():
                group, _, name = key.partition(":")
                groups[group][name] = encode(np.stack(values))
            initial = {name: encode(value) for name, value in graph.get("initial", {}).items()}
            graphs.append(
                {"graph": number, "steps": graph["steps"], "initial": initial, **groups}
                | {"notes": {}, "trainers": graph["trainers"]}
            )
        path.write_text(json.dumps({"graphs": graphs}, allow_nan=False))


def variable(names: dict[str, Any], name: str) -> Any:
    """The program's variable ``name``: a global, or an item of a global dict of variables
    (``weights['h1']``, as ``rewrite`` names the variables of ``weights = {'h1': ...}``)."""
    base, bracket, key = name.partition("[")
    if not bracket:
        return names[name]
    return names[base][ast.literal_eval(key.removesuffix("]"))]


def main(argv: list[str]) -> int:
    staging = Path(argv[0])
    config = json.loads((staging / CONFIG_FILE).read_text())
    die_with_parent(config["parent"])
    os.chdir(config["work"])
    program = config["program"]
    sys.argv = [program, *config["args"]]
    sys.path[0] = os.path.dirname(program)
    if config.get("data_dir"):
        # The MNIST files of ``--data-dir``, for the ``input_data`` the program imports.
        from tf1repro.mnist import input_data

        input_data.DATA_DIR = config["data_dir"]
    recorder = StepRecorder(program, config["steps"], config.get("probe"))
    recorder.path = staging / RECORDING_FILE
    code = 0
    uninstall = recorder.install()
    try:
        runpy.run_path(program, run_name="__main__")
    except SystemExit as stop:
        code = exit_code(stop)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        uninstall()
    recorder.write(recorder.path)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
