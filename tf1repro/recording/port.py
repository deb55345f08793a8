"""A TF2 port of an unmodified TF1 script, checked against the script's recording.

``tf1repro legacy run SCRIPT --record`` writes one record per graph the script trains: its
feeds by placeholder name, its trainable variables by variable name and its loss by tensor
name, as TensorFlow named them (``Placeholder``, ``Variable``, ``Square``...). A port is a
``Port`` subclass in a Python file: ``port_v2`` builds the TF2 code the way a tutorial's
``port_v2`` does (``tf.Variable``s from the given initial values, a forward function, an
optimizer), and ``names`` maps the recording's names to the port's own, so the port reads like
TF2 code and not like a graph dump::

    class Article(Port):
        recording = 1                          # record_1.json: the script's first graph
        names = {"Placeholder": "x", "Placeholder_1": "y", "Variable": "A", "Square": "loss"}

        def port_v2(self, tf, initial):
            a = tf.Variable(initial["A"])

            def forward(feeds):
                return {"loss": tf.square(feeds["x"] * a - feeds["y"])}

            return V2Port({"A": a}, forward, tf.compat.v1.train.GradientDescentOptimizer(0.02))

``tf1repro compare --record RUN --port file.py[:Name]`` replays the recorded feeds on the port
from the recorded initial values (in the eager backend's own process) and compares every
variable and fetch step by step; ``tf1repro diagnose`` says where a port first goes wrong.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from tf1repro.errors import ParameterError
from tf1repro.tutorial import Arrays, V2Port, classes_in, load_user_file

if TYPE_CHECKING:
    from tf1repro.record import Record


class Port(ABC):
    """The TF2 port of one graph of a recorded TF1 script."""

    recording: ClassVar[int] = 1
    """Which graph of the script it ports: ``record_N.json`` of the run folder (1 = the first
    graph that trained)."""
    names: ClassVar[Mapping[str, str]] = {}
    """The recording's placeholder, variable and fetch names mapped to the port's names; a
    name left out is used as it is."""

    spec: str = ""
    """How the port is found again: ``path.py:ClassName``."""

    @abstractmethod
    def port_v2(self, tf: ModuleType, initial: Arrays) -> V2Port:
        """The TF2 port, its variables made from ``initial`` (by the port's names; ``tf`` has
        v2 behaviour on). ``forward`` takes the feeds by the port's names and returns at least
        every recorded fetch and the loss (``V2Port.loss``) by the port's names. Every output
        the recording holds a curve of (what the script evaluated on other feeds after its
        steps) is taken from ``V2Port.evaluate`` on those feeds when it returns it, else from
        ``forward``."""


def load_ports(spec: str) -> list[Port]:
    """The ports in ``path.py`` (every ``Port`` subclass it defines) or ``path.py:ClassName``.

    Raises ``ParameterError`` (for the option ``port``) saying what was wrong.
    """
    path_text, _, class_name = spec.partition(":") if ".py" in spec else (spec, "", "")
    if not path_text.endswith(".py"):
        raise ParameterError("port", spec, "a .py file, optionally followed by :ClassName")
    path = Path(path_text).resolve()
    module = load_user_file(
        path, spec, parameter="port", missing="an existing .py file, optionally followed by :Class"
    )
    found = classes_in(module, Port, class_name)
    if not found:
        what = f"the Port subclass {class_name!r}" if class_name else "a Port subclass"
        raise ParameterError("port", spec, f"a file that defines {what}")
    ports = []
    for cls in found:
        port = cls()
        port.spec = f"{path}:{cls.__name__}"
        ports.append(port)
    return ports


def load_port(spec: str) -> Port:
    """The one port ``spec`` names (``path.py:ClassName``, or a file with one port)."""
    ports = load_ports(spec)
    if len(ports) != 1:
        names = ", ".join(type(port).__name__ for port in ports)
        raise ParameterError("port", spec, f"one port; the file defines several ({names})")
    return ports[0]


def bound(port: Port, tf: ModuleType, record: Record) -> V2Port:
    """``port`` built from ``record``'s initial values, speaking the record's names."""
    to_port = dict(port.names)
    to_record = {mine: theirs for theirs, mine in to_port.items()}
    initial = {to_port.get(name, name): value for name, value in record.initial.items()}
    made = port.port_v2(tf, initial)
    variables = {to_record.get(name, name): value for name, value in made.variables.items()}
    if set(variables) != set(record.initial):
        mine = sorted(to_port.get(name, name) for name in record.initial)
        raise ParameterError(
            "port",
            port.spec,
            f"a port whose variables are the recording's {mine} (it makes "
            f"{sorted(made.variables)}; names: recording -> port {to_port})",
        )

    def speaking_the_record(function: Any) -> Any:
        def renamed(feeds: Mapping[str, Any]) -> dict[str, Any]:
            outputs = function({to_port.get(name, name): value for name, value in feeds.items()})
            return {to_record.get(name, name): value for name, value in outputs.items()}

        return renamed

    evaluate = None if made.evaluate is None else speaking_the_record(made.evaluate)
    return V2Port(
        variables,
        speaking_the_record(made.forward),
        made.optimizer,
        loss=to_record.get(made.loss, made.loss),
        evaluate=evaluate,
    )
