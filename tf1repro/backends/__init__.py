"""Backends: ``train`` a tutorial's TF1 graph, ``replay`` its record on another backend.

A backend computes one tutorial's steps: ``graph`` (the TF1 graph in a Session), ``eager`` (the
TF2 port, in a worker process of its own) and ``numpy`` (the NumPy twin). All run the one
training loop of ``tf1repro.backends.loop``.

``train(tutorial, config, seed)`` draws the tutorial's inputs and trains its TF1 graph, making
the record that every other backend replays: ``replay(record, backend)`` feeds exactly the
record's feeds, starting from its initial values, so TF1 and TF2 random streams never have to
agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tf1repro.backends.loop import Progress, draw_inputs, tutorial_of
from tf1repro.config import Config, Int, validate_seed
from tf1repro.errors import ParameterError
from tf1repro.record import Record
from tf1repro.tutorial import Tutorial, load_tutorial

__all__ = [
    "BACKENDS",
    "Progress",
    "backends_of",
    "draw_inputs",
    "replay",
    "replay_all",
    "train",
    "tutorial_of",
]

BACKENDS = ("graph", "eager", "numpy")


def train(
    tutorial: Tutorial | str,
    config: Config | None = None,
    seed: int = 0,
    *,
    progress: Progress | None = None,
    first_steps: int | None = None,
) -> Record:
    """Train ``tutorial``'s TF1 graph from a fresh Graph and Session seeded with ``seed``.

    ``seed`` seeds NumPy's RandomState (the data and each step's feeds) and the TF graph seed
    (the initial values). With ``first_steps``, only the run's first steps are trained, on the
    inputs the whole run draws, and nothing is evaluated. Raises ``DivergenceError`` at the
    first non-finite value.
    """
    from tf1repro.backends import graph

    tutorial = _tutorial(tutorial)
    config = _config(tutorial, config)
    if first_steps is not None:
        first_steps = Int(1).check("first_steps", first_steps)
    return graph.train(
        tutorial, config, validate_seed(seed), progress=progress, first_steps=first_steps
    )


def replay(record: Record, backend: str, **options: Any) -> Record:
    """Run ``record``'s tutorial on ``backend`` on its feeds, from its initial values."""
    return replay_all([record], backend, **options)[0]


def replay_all(records: Sequence[Record], backend: str, **options: Any) -> list[Record]:
    """``replay`` for several records at once (the eager backend sends them in one request)."""
    for record in records:
        if not isinstance(record, Record):
            raise ParameterError(
                "record", record, "a tf1repro.Record (see tf1repro.record.load_record)"
            )
    if backend == "graph":
        from tf1repro.backends import graph

        return [graph.replay(record, **options) for record in records]
    if backend == "numpy":
        from tf1repro.backends import numpy as numpy_backend

        return [numpy_backend.replay(record) for record in records]
    if backend == "eager":
        from tf1repro.backends import eager

        return eager.replay_all(records, **options)
    raise ParameterError("backend", backend, f"one of {', '.join(BACKENDS)}")


def backends_of(tutorial: Tutorial) -> tuple[str, ...]:
    """The backends this tutorial can run on."""
    found = ["graph"]
    if tutorial.has_port:
        found.append("eager")
    if tutorial.has_twin:
        found.append("numpy")
    return tuple(found)


def _tutorial(tutorial: Tutorial | str) -> Tutorial:
    if isinstance(tutorial, Tutorial):
        return tutorial
    return load_tutorial(tutorial)  # a name or a file; anything else is a ParameterError


def _config(tutorial: Tutorial, config: Config | None) -> Config:
    expected: type[Config] = tutorial.Config
    if config is None:
        return expected()
    if not isinstance(config, expected):
        raise ParameterError(
            "config", config, f"a {expected.__name__} (the {tutorial.name} config)"
        )
    return config
