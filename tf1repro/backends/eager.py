"""The TF2 backend: a tutorial's TF2 port, replayed in a process of its own.

The port (``Tutorial.port_v2``) makes ``tf.Variable``s from a record's initial values and gives
a forward function and an optimizer; the engine writes the step the TF2 way: a ``tf.function``
computing the loss under a ``GradientTape`` and its gradients, then
``optimizer.apply_gradients``. Gradients and update are two calls, so ``tf1repro.diagnose``
sees the same two stages the training used.

Why another process: the graph backend calls ``disable_v2_behavior()``, which is process-wide and
cannot be undone, and a port measured in such a process would not be TF2 at all. So the calls
here are requests to ``python -m tf1repro.backends.eager``, this process's one long-lived worker
(``tf1repro.backends.worker``: started on first use, it imports TensorFlow once and ends with
this process). The worker loads the tutorial by the record's ``tutorial`` field (a built-in name
or a file path, from this process's working directory), so a tutorial in a user's own file works
too; for a recording of an unmodified script, the request names the port to load instead
(``tf1repro.recording.port``). TensorFlow's log lines in the worker are kept and shown only when
a request fails, or always with ``verbose=True``.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import tf1repro.backends.worker as worker
from tf1repro.backends.loop import (
    Array,
    Arrays,
    curve_plan,
    probe_stages,
    record_from,
    run_steps,
    tutorial_of,
)
from tf1repro.errors import DivergenceError, ParameterError, UserCodeError
from tf1repro.record import Record, decode_array, encode_array

#: How many of its last stderr lines a failed request's error shows.
_STDERR_TAIL = 15


class EagerBackendError(RuntimeError):
    """The eager worker process failed; the message carries the end of its stderr."""


def replay_all(
    records: Sequence[Record],
    *,
    logdirs: Sequence[Path | None] | None = None,
    verbose: bool = False,
    ports: Sequence[str | None] | None = None,
) -> list[Record]:
    """Replay every record on its tutorial's TF2 port, all in one request to the worker.

    With ``logdirs``, TensorBoard event files (every variable and fetch per step) are written
    there with ``tf.summary``. ``ports`` gives, per record, the ``path.py:Class`` of a
    ``tf1repro.recording.port.Port`` to replay instead (for recordings of unmodified scripts).
    Raises ``DivergenceError`` at the first non-finite value.
    """
    if ports is None:
        ports = [None] * len(records)
    if logdirs is None:
        logdirs = [None] * len(records)
    if len(logdirs) != len(records):
        raise ValueError(f"{len(records)} records but {len(logdirs)} log folders")
    if not records:
        return []
    reply = _call(
        {
            "action": "replay",
            "records": [record.to_dict() for record in records],
            "logdirs": [None if d is None else str(d) for d in logdirs],
            "ports": list(ports),
        },
        verbose,
    )
    return [Record.from_dict(data) for data in reply["records"]]


def probe(
    record: Record,
    step: int,
    state: Arrays,
    after: Arrays,
    *,
    verbose: bool = False,
    port: str | None = None,
) -> dict[str, dict[str, Array]]:
    """The stages of ``step`` on the TF2 port, from ``state``, its forward pass from ``after``
    (see ``tf1repro.backends.probe_stages``). ``port`` is as in ``replay_all``."""
    reply = _call(
        {
            "action": "probe",
            "record": record.to_dict(),
            "step": step,
            "state": {name: encode_array(value) for name, value in state.items()},
            "port": port,
            "after": {name: encode_array(value) for name, value in after.items()},
        },
        verbose,
    )
    return {
        stage: {name: decode_array(value, f"{stage}.{name}") for name, value in arrays.items()}
        for stage, arrays in reply["stages"].items()
    }


def _call(request: dict[str, Any], verbose: bool) -> dict[str, Any]:
    args = ["-m", __name__, *(["--verbose"] if verbose else [])]
    try:
        reply = worker.call(
            args, _child_environment(verbose), {**request, "cwd": os.getcwd()}, verbose=verbose
        )
    except worker.WorkerExited as exited:
        tail = "\n".join(exited.stderr.strip().splitlines()[-_STDERR_TAIL:])
        raise EagerBackendError(
            f"the eager backend process exited with code {exited.code}"
            + (f":\n{tail}" if tail else "")
        ) from None
    if "diverged" in reply:
        where = reply["diverged"]
        raise DivergenceError(
            where["tutorial"],
            "eager",
            where["step"],
            float(where["value"]),
            where["quantity"],
            where["advice"],
        )
    if "bad port" in reply:
        bad = reply["bad port"]
        raise ParameterError(bad["name"], bad["value"], bad["allowed"])
    if "user_error" in reply:
        raise _user_code_error(reply["user_error"])
    return reply


def _user_code_error(reply: dict[str, Any]) -> UserCodeError:
    """The child's report of a user's code that raised, as the exception it was there."""
    frames = [
        traceback.FrameSummary(filename, lineno, name, line=line)
        for filename, lineno, name, line in reply["frames"]
    ]
    return UserCodeError(
        reply["what"], frames, reply["caller"], reply["exception"], reply["details"]
    )


def _child_environment(verbose: bool) -> dict[str, str]:
    env = dict(os.environ)
    # The child must find this very package, also when it runs from a source tree.
    root = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    if not verbose:
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


# --- The worker process: everything below runs with TensorFlow's v2 behaviour on. ------------


class EagerStepper:
    """The Stepper operations on a TF2 port: a traced gradient function, then the optimizer.

    ``source`` names the port for an error: (``"tutorial"``, its spec) or (``"port"``, the
    ``path.py:Class`` of a ``tf1repro.recording.port.Port``).
    """

    def __init__(
        self, tf: Any, port: Any, fetch_names: Sequence[str], source: tuple[str, str]
    ) -> None:
        self._tf = tf
        self._port = port
        self._names = list(port.variables)
        self._fetch_names = list(fetch_names)
        self._source = source
        self._checked = False
        self._curves_checked: set[str] = set()
        variables = [port.variables[name] for name in self._names]

        def loss_and_gradients(feeds: Any) -> Any:
            with tf.GradientTape() as tape:
                outputs = port.forward(feeds)
                loss = outputs[port.loss]
            return tape.gradient(loss, variables)

        def forward(feeds: Any) -> Any:
            outputs = port.forward(feeds)
            return {name: outputs[name] for name in self._fetch_names}

        def outputs(feeds: Any) -> Any:
            # What evaluate() returns comes first: it is the port's own word on evaluations.
            evaluated = {} if port.evaluate is None else port.evaluate(feeds)
            return {**port.forward(feeds), **evaluated}

        self._gradients = tf.function(loss_and_gradients)
        self._forward = tf.function(forward)
        # Traced as the forward pass is: a curve is a fetch of the graph on other feeds.
        self._outputs = tf.function(outputs)

    def _check(self, feeds: Arrays) -> None:
        """Once, eagerly: ``forward`` returns the loss and every fetch, else a one-line
        ``ParameterError`` (inside a traced function it would be a ``KeyError`` deep in
        TensorFlow's trace)."""
        if self._checked:
            return
        returned = sorted(self._port.forward(self._tensors(feeds)))
        if self._port.loss not in returned:
            raise ParameterError(
                *self._source,
                f"a port whose forward() returns its loss {self._port.loss!r}: it returns "
                f"{returned}; return the loss under that name, or name it with "
                "V2Port(loss=...)",
            )
        missing = [name for name in self._fetch_names if name not in returned]
        if missing:
            hint = (
                "; map each in Port.names to the name forward() returns it under"
                if self._source[0] == "port"
                else ""
            )
            raise ParameterError(
                *self._source,
                f"a port whose forward() returns every recorded fetch: it returns {returned}, "
                f"not {missing}{hint}",
            )
        self._checked = True

    def _tensors(self, feeds: Arrays) -> dict[str, Any]:
        return {name: self._tf.constant(value) for name, value in feeds.items()}

    def variables(self) -> dict[str, Array]:
        return {name: self._port.variables[name].numpy() for name in self._names}

    def assign(self, values: Arrays) -> None:
        for name in self._names:
            self._port.variables[name].assign(values[name])

    def step(self, feeds: Arrays) -> None:
        self._check(feeds)
        gradients = self._gradients(self._tensors(feeds))
        variables = [self._port.variables[name] for name in self._names]
        self._port.optimizer.apply_gradients(zip(gradients, variables, strict=True))

    def observe(self, feeds: Arrays) -> tuple[dict[str, Array], dict[str, Array]]:
        return self.variables(), self.forward(feeds)

    def forward(self, feeds: Arrays) -> dict[str, Array]:
        self._check(feeds)
        return {name: value.numpy() for name, value in self._forward(self._tensors(feeds)).items()}

    def gradients(self, feeds: Arrays) -> dict[str, Array]:
        self._check(feeds)
        gradients = self._gradients(self._tensors(feeds))
        return {
            name: gradient.numpy()
            for name, gradient in zip(self._names, gradients, strict=True)
            if gradient is not None
        }

    def evaluate(self, feeds: Arrays) -> dict[str, Array]:
        if self._port.evaluate is None:
            raise NotImplementedError("the TF2 port has no evaluate() for the evaluations")
        outputs = self._port.evaluate(self._tensors(feeds))
        return {name: value.numpy() for name, value in outputs.items()}

    def curve(self, feeds: Arrays, names: Sequence[str]) -> dict[str, Array]:
        self._check_curve(feeds, names)
        outputs = self._outputs(self._tensors(feeds))
        return {name: outputs[name].numpy() for name in names}

    def _check_curve(self, feeds: Arrays, names: Sequence[str]) -> None:
        """Once per output, eagerly: ``forward`` or ``evaluate`` returns it, else a one-line
        ``ParameterError``."""
        if set(names) <= self._curves_checked:
            return
        tensors = self._tensors(feeds)
        returned = set(self._port.forward(tensors))
        if self._port.evaluate is not None:
            returned |= set(self._port.evaluate(tensors))
        missing = [name for name in names if name not in returned]
        if missing:
            hint = (
                "; map each in Port.names to the name it is returned under"
                if self._source[0] == "port"
                else ""
            )
            raise ParameterError(
                *self._source,
                f"a port whose forward() or evaluate() returns every evaluated output: they "
                f"return {sorted(returned)}, not {missing}{hint}",
            )
        self._curves_checked |= set(names)


def _stepper(tf: Any, record: Record, port_spec: str | None = None) -> EagerStepper:
    if port_spec is None:
        tutorial, config = tutorial_of(record)
        port = tutorial.port_v2(tf, config, record.initial)
        source = ("tutorial", record.tutorial)
    else:
        from tf1repro.recording.port import bound, load_port

        port = bound(load_port(port_spec), tf, record)
        source = ("port", port_spec)
    if set(port.variables) != set(record.initial):
        raise ParameterError(
            *source,
            f"a port whose variables are the graph's {sorted(record.initial)} "
            f"(it makes {sorted(port.variables)})",
        )
    return EagerStepper(tf, port, list(record.fetches), source)


def _replay(tf: Any, record: Record, logdir: str | None, port: str | None) -> Record:
    from tf1repro.kernel_path import measured_platform

    stepper = _stepper(tf, record, port)
    feeds = [record.step_feeds(step) for step in range(1, record.steps + 1)]
    who = (record.tutorial if port is None else port, "eager")
    trajectory = run_steps(
        stepper,
        feeds,
        record.evaluation_feeds,
        who=who,
        curves=curve_plan(record),
        curve_feeds=record.curve_feeds,
    )
    if logdir:
        _write_events(tf, logdir, trajectory.variables, trajectory.fetches)
    versions = {"numpy": np.__version__, "tensorflow": tf.__version__}
    platform = measured_platform()
    if port is not None:
        # A recording's tutorial is its script, not a Tutorial to load: keep its identity.
        return Record(
            tutorial=record.tutorial,
            backend="eager",
            config=record.config,
            seed=record.seed,
            versions=versions,
            platform=platform,
            source={**record.source, "port": port},
            feeds=record.feeds,
            initial=trajectory.initial,
            variables=trajectory.variables,
            fetches=trajectory.fetches,
            curve_feeds=record.curve_feeds,
            curves=trajectory.curves,
        )
    tutorial, config = tutorial_of(record)
    return record_from(
        tutorial,
        config,
        record.seed,
        "eager",
        record.feeds,
        record.evaluation_feeds,
        trajectory,
        versions,
        platform,
        record.curve_feeds,
    )


def _write_events(tf: Any, logdir: str, *groups: Mapping[str, Array]) -> None:
    """Every element of every variable and fetch as a scalar per step (``tf.summary``)."""
    from tf1repro.backends.tensorboard import scalar_tags

    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
        for group in groups:
            for tag, values in scalar_tags(group):
                for step, value in enumerate(values, start=1):
                    tf.summary.scalar(tag, float(value), step=step)
    writer.close()


def _import_tensorflow(verbose: bool) -> Any:
    import tensorflow as tf

    if not verbose:
        tf.get_logger().setLevel("ERROR")
    if not tf.executing_eagerly():
        raise EagerBackendError("TensorFlow's v2 behaviour is off in the eager backend process")
    return tf


def _answer(tf: Any, request: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request: replayed records, probed stages, or ``{"diverged": ...}``."""
    os.chdir(request["cwd"])
    try:
        if request["action"] == "probe":
            record = Record.from_dict(request["record"])
            state = {name: decode_array(value, name) for name, value in request["state"].items()}
            after = {name: decode_array(v, name) for name, v in request["after"].items()}
            stepper = _stepper(tf, record, request.get("port"))
            stages = probe_stages(stepper, record, request["step"], state, after)
            answer: dict[str, Any] = {
                "stages": {
                    stage: {name: encode_array(np.asarray(v)) for name, v in arrays.items()}
                    for stage, arrays in stages.items()
                }
            }
        else:
            records = [Record.from_dict(data) for data in request["records"]]
            replayed = [
                _replay(tf, record, logdir, port)
                for record, logdir, port in zip(
                    records, request["logdirs"], request["ports"], strict=True
                )
            ]
            answer = {"records": [record.to_dict() for record in replayed]}
    except ParameterError as error:
        # A port that does not fit its record: one line in the parent, as there.
        return {
            "bad port": {"name": error.name, "value": str(error.value), "allowed": error.allowed}
        }
    except DivergenceError as error:
        where = {
            "tutorial": error.tutorial,
            "step": error.step,
            "value": str(error.value),
            "quantity": error.quantity,
            "advice": error.advice,
        }
        return {"diverged": where}
    except (Exception, SystemExit) as error:
        # A tutorial's or port's own code raised: its frames go back as data, and this worker
        # stays up for the next request. Anything else is tf1repro's and ends the worker.
        user_error = UserCodeError.from_exception(error)
        if user_error is None:
            raise
        frames = [[f.filename, f.lineno, f.name, f.line] for f in user_error.frames]
        report = {
            "what": user_error.what,
            "frames": frames,
            "caller": user_error.caller,
            "exception": user_error.exception,
            "details": user_error.details,
        }
        return {"user_error": report}
    return answer


def main() -> None:
    """Worker entry point: ``python -m tf1repro.backends.eager [--verbose]``."""
    verbose = "--verbose" in sys.argv[1:]

    def prepare() -> Callable[[dict[str, Any]], dict[str, Any]]:
        return functools.partial(_answer, _import_tensorflow(verbose))

    worker.serve(prepare)


if __name__ == "__main__":
    main()
