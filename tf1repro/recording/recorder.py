"""The child side of ``legacy run --record``: what the unmodified script's Sessions compute.

Loaded by ``bootstrap`` from this file, so it imports nothing from tf1repro (the script finds
no trace of it), and only once the script has imported TensorFlow. It wraps
``BaseSession.run``, which every ``Session`` and ``InteractiveSession`` runs through, and for
every call:

* finds whether the call runs an optimizer's update: the fetched ops depend (through inputs or
  control inputs) on an ``Apply*``/``ResourceApply*`` op, the ops ``apply_gradients`` and
  ``minimize`` build for every optimizer of ``tf.train`` and Keras. Such a call is one step,
  of one of the graph's training ops: the ops that run updates and that no other op uses (one
  per ``minimize``), in the order the script built them. A graph may hold several (two
  ``minimize`` of one optimizer, run in turn): each step records which one it ran, by the
  updates it ran;
* before a graph's first step, reads its trainable variables: the initial values (after the
  initializer and anything else the script did before training);
* keeps each step's feeds by placeholder name, converted as ``Session.run`` converts them;
* after each step, reads every trainable variable and the step's fetches, on that step's feeds
  (the record's meaning: values after the step's update). The fetches are the losses the training
  ops minimise (found from the gradient graph each ``minimize`` built) and the tensors the first
  training call itself fetched. The extra read is one more ``Session.run`` of existing tensors: it
  adds no op to the graph (op-level seeds depend on the number of ops), and a fetch whose
  computation holds a stateful op (a random draw such as dropout, a queue, an iterator, an
  assignment) is not read at all, so the script's own draws and numbers are untouched; such a
  fetch is named in the recording's notes instead. So is a string fetch (a serialized summary
  of ``merge_all()``): the values it summarises are in the event files the script writes.

For ``tf1repro port``, each graph's entry also says where the script built what the record
names (``sites``): the script line of each variable, placeholder and recorded fetch, of the
training call's ops, of each training op (``trainers``, with the losses it minimises), the
optimizer's update op type, the graph seed, the tag of each scalar and histogram summary, the
``seed``/``seed2`` attributes of every seeded random op by line (TF2 draws the same numbers
from those, see ``tf1repro.recording.autoport``), and per recorded fetch the sum in it that
grappler may regroup otherwise in TF2 (``regrouped``). A line is the innermost frame of the
op's Python traceback that lies in the script's folder.

Tensors the script fetches in calls of its own between steps (an accuracy on the training and
on the test set after every step, a test loss) are evaluation curves: after step N, each such
tensor's value as the script's call computed it, by the tensor's name, on the feeds of that call.
Each distinct set of feeds is stored once, numbered in the order the script first used it, and
each curve refers to it by that number; a call on exactly the last step's feeds refers to the
step's own feeds (``step``) and stores nothing more, and the recorded fetches on those are the
step's fetches already. Variables read by such a call are the recorded variables. A tensor with
a stateful op in its computation is named in the notes instead: the script's own draw cannot be
replayed; so is a string (a serialized summary), and a tensor the script built after the graph
first trained (an op made anew for every evaluation has a new name each time, and no port or
tutorial builds it so).

A recording stops at ``max_steps`` steps or ``max_bytes`` of arrays per graph, the curves' and
their feed sets' included (the cut is said in its notes); evaluations after the last recorded
step are kept until the script trains again; the script runs on, unobserved. Whatever goes
wrong inside the recorder is noted and stops the recording of that graph, never the script. At
the end, ``write`` leaves ``recording.json`` in the staging folder: one entry per graph that
trained, in the order of their first step, its arrays in the record's JSON form
(``tf1repro.record``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple


def _beside(name: str) -> ModuleType:
    """The module ``name`` of this file's folder, loaded from its file: the legacy child loads
    this file so (``tf1repro/legacy/bootstrap.py``), without importing tf1repro, and its parts
    must come the same way."""
    key = f"tf1repro_legacy_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


#: Training ops, updates, losses and dependencies of a TF1 graph (``graph_structure.py``).
structure: Any = _beside("graph_structure")
#: A graph's recording in the record's JSON form (``recorded_json.py``).
written: Any = _beside("recorded_json")

#: The label of a curve evaluated on the last step's own feeds (``tf1repro.record.STEP_FEEDS``).
STEP_FEEDS = "step"

#: Why a string fetch is not recorded: a record holds numbers, and a string fetched in a
#: training script is most often a serialized summary, whose values are in its event files.
STRING_NOTE = "a string (a serialized summary?)"


class GraphRecording:
    """What one graph computed, step by step."""

    def __init__(self, index: int, graph: Any) -> None:
        self.index = index
        self.graph = graph
        self.variables: list[tuple[str, Any]] = []
        self.fetches: list[tuple[str, Any]] = []
        self.feed_names: tuple[str, ...] | None = None
        self.initial: dict[str, Any] = {}
        self.steps: dict[str, list[Any]] = {}
        """Per name, one array per step: ``feed:``, ``variable:`` and ``fetch:`` prefixed."""
        self.count = 0
        self.bytes = 0
        self.done = False
        self.notes: dict[str, str] = {}
        self.sites: dict[str, Any] = {}
        self.curve_feeds: dict[str, dict[str, Any]] = {}
        """The feed sets of the curves by label (``1``, ``2``...)."""
        self.feed_sets: dict[str, str] = {}
        """A feed set's digest -> its label: each distinct set is stored once."""
        self.curves: dict[str, dict[str, tuple[list[int], list[Any]]]] = {}
        """Per tensor, per feed set label: the steps it was evaluated after, and its values."""
        self.stateful: dict[str, Any] = {}
        """Per tensor name: the stateful op its computation holds, or None."""
        self.stale = False
        """The script trained on after the recording stopped: its state is not recorded."""
        self.built: frozenset[str] = frozenset()
        """The graph's ops when it first trained: a curve is of one of their tensors."""
        self.late: dict[str, list[str]] = {}
        """Per script line, the tensors it built after the graph first trained that the script
        evaluated (often a new op for every call): named in the notes, not recorded."""
        self.trainers: list[frozenset[str]] = []
        """The graph's training ops when it first trained: the update ops each runs."""
        self.trainer_of: dict[frozenset[str], int | None] = {}
        """The fetched ops of a training call -> the index of the training op it runs."""
        self.ran: list[int] = []
        """Per recorded step, the index of the training op it ran."""
        self.reader: Any = None
        """How the variables and fetches are read after a step (``Recorder.read``)."""

    def stop(self, key: str, why: str) -> None:
        self.done = True
        self.notes[key] = why
        if key == "error":
            self.stale = True


class Step(NamedTuple):
    """A training call about to run: its graph's recording, its feeds by name and the index
    of the training op it runs."""

    recording: GraphRecording
    feeds: dict[str, Any]
    trainer: int


class Evaluation(NamedTuple):
    """A call of a trained graph's tensors between steps: (name, tensor, position in the
    flattened fetches) of each, and the feeds by name."""

    recording: GraphRecording
    tensors: list[tuple[str, Any, int]]
    feeds: dict[str, Any]


class Recorder:
    """Observes every ``Session.run``; one ``GraphRecording`` per graph that trains."""

    def __init__(self, path: Path, max_steps: int | None, max_bytes: int) -> None:
        self.path = path
        self.max_steps = max_steps
        self.max_bytes = max_bytes
        self.graphs: dict[int, GraphRecording] = {}
        self.kept: list[Any] = []  # the graphs themselves: ids must stay unique
        self.training: dict[tuple[int, frozenset[str]], bool] = {}
        self.np: Any = None
        self.nest: Any = None
        # The script runs from its folder: frames in there are the script's (or its helpers').
        self.folder = os.getcwd() + os.sep

    def install(self) -> None:
        """Wrap ``BaseSession.run`` (TensorFlow is imported by now)."""
        import numpy
        from tensorflow.python.client import session
        from tensorflow.python.util import nest

        self.np, self.nest = numpy, nest
        original = session.BaseSession.run
        recorder = self

        @functools.wraps(original)
        def run(
            self: Any,
            fetches: Any,
            feed_dict: Any = None,
            options: Any = None,
            run_metadata: Any = None,
        ) -> Any:
            pending = recorder.before(self, original, fetches, feed_dict)
            result = original(self, fetches, feed_dict, options, run_metadata)
            if isinstance(pending, Step):
                recorder.after(self, original, pending, feed_dict)
            elif isinstance(pending, Evaluation):
                recorder.evaluated(self, original, pending, fetches, feed_dict, result)
            return result

        session.BaseSession.run = run

    # -- one call ------------------------------------------------------------------------

    def before(
        self, session: Any, run: Any, fetches: Any, feed_dict: Any
    ) -> Step | Evaluation | None:
        """The step about to run, or the evaluation of a trained graph's tensors, or None."""
        recording = None
        try:
            graph = session.graph
            ops, tensors = self.elements(graph, fetches)
            if not self.is_training(graph, ops):
                return self.evaluation(graph, tensors, feed_dict)
            recording = self.graphs.get(id(graph))
            if recording is None:
                recording = GraphRecording(len(self.graphs) + 1, graph)
                self.graphs[id(graph)] = recording
                self.kept.append(graph)
                self.start(recording, session, run, ops, tensors)
            if recording.done:
                recording.stale = True
                return None
            trainer = self.trainer(recording, ops)
            if trainer is None:
                recording.stop(
                    "cut",
                    f"after step {recording.count}: step {recording.count + 1} runs a training "
                    "op the graph did not hold when it first trained",
                )
                recording.stale = True
                return None
            feeds = self.feeds(graph, feed_dict)
            if recording.feed_names is None:
                recording.feed_names = tuple(feeds)
            if tuple(feeds) != recording.feed_names:
                recording.stop(
                    "cut",
                    f"after step {recording.count}: step {recording.count + 1} feeds "
                    f"{sorted(feeds)}, not {sorted(recording.feed_names)}",
                )
                recording.stale = True
                return None
            return Step(recording, feeds, trainer)
        except Exception as error:  # the script must run on whatever happens here
            if recording is not None:
                recording.stop("error", f"{type(error).__name__}: {error}")
            return None

    def after(self, session: Any, run: Any, step: Step, feed_dict: Any) -> None:
        recording, feeds, trainer = step
        try:
            values = self.read(session, run, recording, feeds, feed_dict)
            arrays = {f"feed:{name}": value for name, value in feeds.items()}
            kinds = ["variable"] * len(recording.variables) + ["fetch"] * len(recording.fetches)
            held = recording.variables + recording.fetches
            for kind, (name, _), value in zip(kinds, held, values, strict=True):
                arrays[f"{kind}:{name}"] = value
            if recording.count and not self.same_shapes(recording, arrays):
                recording.stale = True
                return
            for key, value in arrays.items():
                array = self.np.array(value)
                recording.steps.setdefault(key, []).append(array)
                recording.bytes += array.nbytes
            recording.ran.append(trainer)
            recording.count += 1
            if self.max_steps is not None and recording.count >= self.max_steps:
                recording.stop("cut", f"after step {recording.count} (--record-steps)")
            elif recording.bytes > self.max_bytes:
                self.cut_at_cap(recording)
        except Exception as error:
            recording.stop("error", f"{type(error).__name__}: {error}")

    def read(
        self,
        session: Any,
        run: Any,
        recording: GraphRecording,
        feeds: dict[str, Any],
        feed_dict: Any,
    ) -> list[Any]:
        """The variables and fetches, in that order, on the step's feeds.

        ``Session.run`` spends more time in Python on its arguments than the graph takes to
        read a few variables; the step's own call has just checked the same feeds, and the
        tensors to read never change. So the read is the one ``TF_SessionRun`` call that
        ``Session.run`` would make (``BaseSession._do_run``): the tensors to read and the
        placeholders are turned into the runtime's outputs once, each tensor read once, the
        feeds as converted by ``feeds`` (``np.asarray`` to the placeholder's dtype, as
        ``Session.run`` converts them). A TensorFlow without these internals is read by
        ``Session.run``.
        """
        held = [tensor for _, tensor in recording.variables + recording.fetches]
        if not held:
            return []
        if recording.reader is None:
            recording.reader = self.reader(session, recording.graph, held, feeds)
        if recording.reader is False:
            values: list[Any] = run(session, held, feed_dict)
            return values
        outputs, feed_outputs, positions = recording.reader
        session._extend_graph()
        fed = {output: feeds[name] for name, output in feed_outputs.items()}
        read = session._call_tf_sessionrun(None, fed, outputs, [], None)
        return [read[position] for position in positions]

    def reader(self, session: Any, graph: Any, held: list[Any], feeds: dict[str, Any]) -> Any:
        """What ``read`` runs: the runtime's outputs of the distinct tensors, of the fed
        placeholders by name, and each held tensor's position among the outputs; or False."""
        internals = ("_call_tf_sessionrun", "_extend_graph")
        if not all(hasattr(session, name) for name in internals):
            return False
        distinct = list({tensor.name: tensor for tensor in held}.values())
        position = {tensor.name: index for index, tensor in enumerate(distinct)}
        placeholders = {
            name: graph.get_tensor_by_name(name if ":" in name else f"{name}:0") for name in feeds
        }
        return (
            [tensor._as_tf_output() for tensor in distinct],
            {name: tensor._as_tf_output() for name, tensor in placeholders.items()},
            [position[tensor.name] for tensor in held],
        )

    def cut_at_cap(self, recording: GraphRecording) -> None:
        recording.stop(
            "cut", f"after step {recording.count}: the size cap of {self.max_bytes} bytes"
        )
        recording.stale = True

    # -- evaluations between steps -------------------------------------------------------

    def evaluation(
        self, graph: Any, tensors: list[tuple[str, Any, int]], feed_dict: Any
    ) -> Evaluation | None:
        """The evaluation a call of a trained graph's tensors is, once it has trained."""
        recording = self.graphs.get(id(graph))
        if recording is None or recording.stale or recording.count == 0 or not tensors:
            return None
        return Evaluation(recording, tensors, self.feeds(graph, feed_dict))

    def evaluated(
        self,
        session: Any,
        run: Any,
        evaluation: Evaluation,
        fetches: Any,
        feed_dict: Any,
        result: Any,
    ) -> None:
        """Keep what the script's call computed as points of its tensors' curves."""
        recording, tensors, feeds = evaluation
        try:
            variables = {name for name, _ in recording.variables}
            fetched = {name for name, _ in recording.fetches}
            on_step = self.step_feeds(recording, feeds)
            wanted = []
            for name, tensor, position in tensors:
                if name in variables or (on_step and name in fetched):
                    continue  # recorded after every step already
                if tensor.op.name not in recording.built:
                    where = self.where(tensor.op)
                    line = f"{where['file']} line {where['line']}" if where else "the script"
                    late = recording.late.setdefault(line, [])
                    if name not in late:
                        late.append(name)
                    continue
                if tensor.dtype.name == "string":
                    recording.notes[f"not recorded: {name}"] = STRING_NOTE
                    continue
                if name not in recording.stateful:
                    recording.stateful[name] = structure.stateful_op(tensor.op)
                stateful = recording.stateful[name]
                if stateful is not None:
                    recording.notes[f"not recorded: {name}"] = (
                        f"evaluated by the script between steps, and its computation holds the "
                        f"stateful op {stateful.name} ({stateful.type}): it cannot be replayed"
                    )
                    continue
                wanted.append((name, tensor, position))
            if not wanted:
                return
            values = self.nest.flatten(result)
            if len(values) != len(self.nest.flatten(fetches)):
                # A composite fetch (a SparseTensor) flattens otherwise than its value: read
                # the tensors again, on the same feeds, as a step's are read.
                values = dict(enumerate(run(session, [t for _, t, _ in wanted], feed_dict)))
                wanted = [(name, tensor, i) for i, (name, tensor, _) in enumerate(wanted)]
            label = STEP_FEEDS if on_step else self.feed_set(recording, feeds)
            for name, _, position in wanted:
                steps, arrays = recording.curves.setdefault(name, {}).setdefault(label, ([], []))
                if steps and steps[-1] == recording.count:
                    continue  # evaluated again after the same step: the same value
                array = self.np.array(values[position])
                steps.append(recording.count)
                arrays.append(array)
                recording.bytes += array.nbytes
            if recording.bytes > self.max_bytes:
                self.cut_at_cap(recording)
        except Exception as error:
            recording.stop("error", f"{type(error).__name__}: {error}")

    def step_feeds(self, recording: GraphRecording, feeds: dict[str, Any]) -> bool:
        """Whether ``feeds`` are the last step's, bit for bit."""
        if tuple(feeds) != recording.feed_names:
            return False
        return all(
            same_array(value, recording.steps[f"feed:{name}"][-1]) for name, value in feeds.items()
        )

    def feed_set(self, recording: GraphRecording, feeds: dict[str, Any]) -> str:
        """The label of ``feeds`` among the curves' feed sets, stored if new."""
        digest = hashlib.sha256()
        for name, value in feeds.items():
            array = self.np.ascontiguousarray(value)
            digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
            digest.update(array.tobytes())
        key = digest.hexdigest()
        if key not in recording.feed_sets:
            label = str(len(recording.feed_sets) + 1)
            recording.feed_sets[key] = label
            recording.curve_feeds[label] = {n: self.np.array(v) for n, v in feeds.items()}
            recording.bytes += sum(self.np.asarray(v).nbytes for v in feeds.values())
        return recording.feed_sets[key]

    def same_shapes(self, recording: GraphRecording, arrays: dict[str, Any]) -> bool:
        for key, value in arrays.items():
            shape = self.np.shape(value)
            first = recording.steps[key][0].shape
            if shape != first:
                recording.stop(
                    "cut",
                    f"after step {recording.count}: {key.partition(':')[2]} has shape "
                    f"{list(shape)} at step {recording.count + 1}, not {list(first)}",
                )
                return False
        return True

    def start(
        self, recording: GraphRecording, session: Any, run: Any, ops: list[Any], tensors: Any
    ) -> None:
        """The graph's first step: its variables, what to fetch, and the initial values."""
        import tensorflow as tf

        graph = recording.graph
        recording.built = frozenset(op.name for op in graph.get_operations())
        variables = graph.get_collection(tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES)
        recording.variables = [
            (variable.op.name, graph.as_graph_element(variable)) for variable in variables
        ]
        roots = structure.training_ops(graph)
        recording.trainers = [structure.updates_of([root]) for root in roots]
        losses = [structure.minimised(graph, [root]) for root in roots]
        first = self.trainer(recording, ops)
        # The first call's losses first (a graph of one training op records as it always did).
        ordered = [losses[first]] if first is not None else []
        candidates = {
            **{name: t for found in [*ordered, *losses] for name, t in found.items()},
            **{name: t for name, t, _ in tensors},
        }
        for name, tensor in candidates.items():
            stateful = structure.stateful_op(tensor.op)
            if tensor.dtype.name == "string":
                recording.notes[f"not recorded: {name}"] = STRING_NOTE
            elif stateful is None:
                recording.fetches.append((name, tensor))
            else:
                recording.notes[f"not recorded: {name}"] = (
                    f"its computation holds the stateful op {stateful.name} "
                    f"({stateful.type}): reading it again would change the script's numbers"
                )
        recording.sites = structure.sites(
            recording.graph, self.folder, recording.variables, recording.fetches, ops
        )
        recording.sites["trainers"] = [
            {"train": [self.where(root)], "losses": list(found)}
            for root, found in zip(roots, losses, strict=True)
        ]
        values = run(session, [tensor for _, tensor in recording.variables])
        recording.initial = {
            name: self.np.array(value)
            for (name, _), value in zip(recording.variables, values, strict=True)
        }

    # -- graph structure -----------------------------------------------------------------

    def where(self, op: Any) -> dict[str, Any] | None:
        """The script file (relative to its folder) and line that built ``op``, or None."""
        found: dict[str, Any] | None = structure.where(op, self.folder)
        return found

    def elements(self, graph: Any, fetches: Any) -> tuple[list[Any], list[tuple[str, Any, int]]]:
        """The fetched ops, and the fetched tensors: name, tensor and position among the
        flattened fetches."""
        ops, tensors = [], []
        for position, item in enumerate(self.nest.flatten(fetches)):
            try:
                element = graph.as_graph_element(item, allow_tensor=True, allow_operation=True)
            except (TypeError, ValueError, KeyError):
                continue
            if hasattr(element, "op"):
                ops.append(element.op)
                tensors.append((structure.tensor_name(element), element, position))
            else:
                ops.append(element)
        return ops, tensors

    def trainer(self, recording: GraphRecording, ops: list[Any]) -> int | None:
        """The index of the training op a call of ``ops`` runs: the one that runs the same
        updates (else the first that runs them all); None when none does."""
        key = frozenset(op.name for op in ops)
        if key not in recording.trainer_of:
            updates = structure.updates_of(ops)
            found = [i for i, ran in enumerate(recording.trainers) if ran == updates]
            found = found or [i for i, ran in enumerate(recording.trainers) if ran >= updates]
            recording.trainer_of[key] = found[0] if found else None
        return recording.trainer_of[key]

    def is_training(self, graph: Any, ops: list[Any]) -> bool:
        key = (id(graph), frozenset(op.name for op in ops))
        if key not in self.training:
            self.training[key] = any(
                op.type.startswith(structure.UPDATE_PREFIXES)
                for op in structure.closure(ops, controls=True)
            )
        return self.training[key]

    def feeds(self, graph: Any, feed_dict: Any) -> dict[str, Any]:
        """The fed values by tensor name, as arrays of the tensors' dtypes."""
        feeds = {}
        for key, value in (feed_dict or {}).items():
            tensor = graph.as_graph_element(key, allow_tensor=True, allow_operation=False)
            feeds[structure.tensor_name(tensor)] = self.np.array(
                value, dtype=tensor.dtype.as_numpy_dtype
            )
        return dict(sorted(feeds.items()))

    # -- output --------------------------------------------------------------------------

    def write(self) -> None:
        """The recording file (written once, at the end of the run)."""
        graphs = [written.graph_entry(r) for r in self.graphs.values() if r.count]
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(json.dumps({"graphs": graphs}, allow_nan=False))
        os.replace(temporary, self.path)


def same_array(first: Any, second: Any) -> bool:
    """Whether two arrays hold the same bits (dtype, shape and bytes)."""
    return bool(
        first.dtype == second.dtype
        and first.shape == second.shape
        and first.tobytes() == second.tobytes()
    )
