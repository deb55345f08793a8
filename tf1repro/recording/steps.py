"""What the recorder of a generated TF2 program needs to know about each of its training steps.

``tf1repro port`` writes one ``TrainStep`` per training function it generated: the TF1 graphs it
replaces, how many steps each graph's recording holds, which placeholder (TF1 name and dtype)
each parameter stands for, which TF1 variable each of the program's variables is, and which
function (with which parameters) computes each recorded fetch. The TF2 recorder
(``tf2_recorder.py``) reads them as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainStep:
    """One generated training function and the TF1 names of what it touches."""

    graphs: tuple[int, ...]
    """The TF1 graphs it replaces: one, or one per time its ``def`` runs (in a loop...)."""
    steps: tuple[int, ...]
    """How many steps the recording of each of those graphs holds."""
    function: str
    params: tuple[str, ...]
    feeds: dict[str, tuple[str, str]]
    """parameter -> (TF1 placeholder name, dtype name)."""
    variables: dict[str, str]
    """the program's variable -> TF1 variable name."""
    fetches: dict[str, tuple[str, tuple[str, ...]]]
    """TF1 fetch name -> (the program's function, its parameters)."""
    tensors: dict[str, str] = field(default_factory=dict)
    """TF1 fetch name -> the script's name of that tensor (the function above may be its
    traced twin, ``evaluate_loss`` for ``loss``): how a report names it."""
    line: int = 0
    """Where the program defines the function (its ``def`` line)."""
    trainer: int = 0
    """Which of its graphs' training ops it replaces: the op's index in their recordings."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "graphs": list(self.graphs),
            "steps": list(self.steps),
            "function": self.function,
            "line": self.line,
            "params": list(self.params),
            "feeds": {name: list(feed) for name, feed in self.feeds.items()},
            "variables": self.variables,
            "fetches": {name: [f, list(p)] for name, (f, p) in self.fetches.items()},
            "tensors": self.tensors,
            "trainer": self.trainer,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainStep:
        """The step ``to_dict`` wrote (``tensors`` and ``trainer`` may be missing: older ports
        lack them)."""
        return cls(
            graphs=tuple(data["graphs"]),
            steps=tuple(data["steps"]),
            function=data["function"],
            params=tuple(data["params"]),
            feeds={name: (tf1, dtype) for name, (tf1, dtype) in data["feeds"].items()},
            variables=dict(data["variables"]),
            fetches={name: (f, tuple(p)) for name, (f, p) in data["fetches"].items()},
            tensors=dict(data.get("tensors", {})),
            line=data.get("line", 0),
            trainer=data.get("trainer", 0),
        )
