"""The TF1 graph backend: a tutorial's ``tf.compat.v1`` graph in its own Graph and Session.

``train`` runs the graph's own seeded initializer, which is how the original starts;
``replay`` feeds a record's initial values into the initializer instead (every variable's
``initial_value`` tensor is fed), so no op is added to the tutorial's graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tf1repro import runtime
from tf1repro.backends.loop import (
    Array,
    Arrays,
    Progress,
    draw_inputs,
    probe_stages,
    record_from,
    run_steps,
    stack_feeds,
    to_arrays,
    tutorial_of,
)
from tf1repro.config import Config
from tf1repro.errors import ParameterError
from tf1repro.kernel_path import measured_platform
from tf1repro.record import Record
from tf1repro.tutorial import Tutorial, V1Graph

#: The input of an optimizer's apply op that carries the gradient, by the op's argument name.
_GRADIENT_ARGS = ("grad", "delta")


class GraphStepper:
    """The Stepper operations on a built graph, each one ``Session.run``."""

    def __init__(self, tf: Any, session: Any, graph: V1Graph) -> None:
        self._tf = tf
        self._session = session
        self._graph = graph
        self.dtypes = {
            name: placeholder.dtype.as_numpy_dtype
            for name, placeholder in graph.placeholders.items()
        }
        self._gradients: dict[str, Any] | None = None

    @property
    def graph(self) -> V1Graph:
        """The built graph's handles."""
        return self._graph

    def initialize(self, initial: Arrays | None = None) -> None:
        """Run every variable's initializer; with ``initial``, those values instead of the
        initializers' own (their random ops are not run, so no stream is consumed)."""
        feed = {}
        if initial is not None:
            variables = self._graph.variables
            if set(initial) != set(variables):
                raise ValueError("the initial values must name exactly the graph's variables")
            feed = {variables[name].initial_value: initial[name] for name in variables}
        self._session.run(self._tf.global_variables_initializer(), feed_dict=feed)

    def _feed(self, feeds: Arrays) -> dict[Any, Array]:
        placeholders = self._graph.placeholders
        if set(feeds) != set(placeholders):
            raise ParameterError(
                "feeds",
                sorted(feeds),
                f"the graph's placeholders, exactly: {sorted(placeholders)}",
            )
        return {placeholders[name]: value for name, value in feeds.items()}

    def variables(self) -> dict[str, Array]:
        return dict(self._session.run(dict(self._graph.variables)))

    def assign(self, values: Arrays) -> None:
        # Rerun each variable's initializer with the value fed in: no new ops in the graph.
        for name, variable in self._graph.variables.items():
            self._session.run(variable.initializer, {variable.initial_value: values[name]})

    def step(self, feeds: Arrays) -> None:
        self._session.run(self._graph.train, feed_dict=self._feed(feeds))

    def observe(self, feeds: Arrays) -> tuple[dict[str, Array], dict[str, Array]]:
        values, fetched = self._session.run(
            (dict(self._graph.variables), dict(self._graph.fetches)), feed_dict=self._feed(feeds)
        )
        return dict(values), dict(fetched)

    def forward(self, feeds: Arrays) -> dict[str, Array]:
        return dict(self._session.run(dict(self._graph.fetches), feed_dict=self._feed(feeds)))

    def gradients(self, feeds: Arrays) -> dict[str, Array]:
        if self._gradients is None:
            self._gradients = gradient_tensors(self._graph)
        if not self._gradients:
            return {}
        return dict(self._session.run(self._gradients, feed_dict=self._feed(feeds)))

    def evaluate(self, feeds: Arrays) -> dict[str, Array]:
        evaluations = dict(self._graph.evaluations)
        if not evaluations:
            return {}
        return dict(self._session.run(evaluations, feed_dict=self._feed(feeds)))


def gradient_tensors(graph: V1Graph) -> dict[str, Any]:
    """The gradient each variable's update consumes, found in the train op's apply ops.

    ``minimize`` builds ``Apply<Optimizer>`` ops whose gradient input is named ``grad`` (or
    ``delta`` for gradient descent); fetching that very tensor gives the bits the update used.
    Variables updated some other way are left out.
    """
    by_op = {variable.op: name for name, variable in graph.variables.items()}
    found: dict[str, Any] = {}
    pending, seen = [graph.train.op if hasattr(graph.train, "op") else graph.train], set()
    while pending:
        op = pending.pop()
        if op in seen:
            continue
        seen.add(op)
        if "Apply" in op.type and op.inputs and op.inputs[0].op in by_op:
            arguments = [arg.name for arg in op.op_def.input_arg]
            for argument in _GRADIENT_ARGS:
                if argument in arguments:
                    found[by_op[op.inputs[0].op]] = op.inputs[arguments.index(argument)]
            continue
        pending.extend(op.control_inputs)
        pending.extend(tensor.op for tensor in op.inputs)
    return found


#: Ops that carry data rather than compute the tutorial's model.
_PLUMBING = frozenset(
    {"Placeholder", "VariableV2", "VarHandleOp", "ReadVariableOp", "Identity", "Const", "Shape"}
)


def describe(tutorial: Tutorial, config: Config) -> dict[str, list[str]]:
    """What a tutorial's graph computes: the op types of its fetches' forward pass, and the
    optimizer's update ops (e.g. ``ApplyGradientDescent``), each sorted."""
    with built(tutorial, config, 0) as stepper:
        graph = stepper.graph
        gradients = gradient_tensors(graph)
        # The forward pass: what the fetches and the gradients depend on, less the gradient
        # graph itself (``minimize`` builds it under the name scope "gradients").
        pending = [tensor.op for tensor in (*graph.fetches.values(), *gradients.values())]
        ops: set[str] = set()
        seen: set[Any] = set()
        while pending:
            op = pending.pop()
            if op in seen:
                continue
            seen.add(op)
            if not op.name.startswith("gradients") and op.type not in _PLUMBING:
                ops.add(op.type)
            pending.extend(tensor.op for tensor in op.inputs)
        updates = {
            consumer.type
            for tensor in gradients.values()
            for consumer in tensor.consumers()
            if "Apply" in consumer.type
        }
    return {"ops": sorted(ops), "optimizer": sorted(updates)}


@contextmanager
def built(tutorial: Tutorial, config: Config, seed: int) -> Iterator[GraphStepper]:
    """The tutorial's graph, built in a fresh Graph seeded with ``seed``, in an open Session."""
    tf = runtime.tf_v1()
    with runtime.graph_session(seed) as session:
        graph = tutorial.build_v1(tf, config)
        yield GraphStepper(tf, session, graph)


def train(
    tutorial: Tutorial,
    config: Config,
    seed: int,
    *,
    progress: Progress | None = None,
    first_steps: int | None = None,
) -> Record:
    """Draw the inputs, train the graph from its own initializer, record everything.

    With ``first_steps``, only that many steps are trained (every step's inputs are still
    drawn, so they are the whole run's first steps) and nothing is evaluated: the record is
    the whole run's prefix.
    """
    inputs = draw_inputs(tutorial, config, seed)
    with built(tutorial, config, seed) as stepper:
        feeds = [to_arrays(step, stepper.dtypes) for step in inputs.feeds[:first_steps]]
        evaluation_feeds = {
            label: to_arrays(values, stepper.dtypes)
            for label, values in inputs.evaluation_feeds.items()
            if first_steps is None or first_steps >= config.steps
        }
        stepper.initialize()
        trajectory = run_steps(
            stepper, feeds, evaluation_feeds, who=(tutorial.name, "graph"), progress=progress
        )
    return record_from(
        tutorial,
        config,
        seed,
        "graph",
        stack_feeds(tutorial.name, feeds),
        evaluation_feeds,
        trajectory,
        runtime.versions(),
        measured_platform(),
    )


def replay(record: Record, *, progress: Progress | None = None) -> Record:
    """Run the record's tutorial graph on its feeds from its initial values."""
    tutorial, config = tutorial_of(record)
    feeds = [record.step_feeds(step) for step in range(1, record.steps + 1)]
    with built(tutorial, config, record.seed) as stepper:
        stepper.initialize(record.initial)
        trajectory = run_steps(
            stepper,
            feeds,
            record.evaluation_feeds,
            who=(tutorial.name, "graph"),
            progress=progress,
        )
    return record_from(
        tutorial,
        config,
        record.seed,
        "graph",
        record.feeds,
        record.evaluation_feeds,
        trajectory,
        runtime.versions(),
        measured_platform(),
    )


def probe(record: Record, step: int, state: Arrays, after: Arrays) -> dict[str, dict[str, Array]]:
    """The stages of ``step`` from ``state`` (see ``tf1repro.diagnose``)."""
    tutorial, config = tutorial_of(record)
    with built(tutorial, config, record.seed) as stepper:
        stepper.initialize(record.initial)
        return probe_stages(stepper, record, step, state, after)
