"""The NumPy backend: a tutorial's NumPy twin replays a record's feeds from its initial values."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tf1repro.backends.loop import (
    Array,
    Arrays,
    curve_plan,
    probe_stages,
    record_from,
    run_steps,
    tutorial_of,
)
from tf1repro.record import Record
from tf1repro.tutorial import NumpyTwin


class TwinStepper:
    """The Stepper operations on a NumPy twin; the variables live here."""

    def __init__(self, twin: NumpyTwin, initial: Arrays) -> None:
        self._twin = twin
        self._values = {name: np.array(value) for name, value in initial.items()}

    def variables(self) -> dict[str, Array]:
        return {name: value.copy() for name, value in self._values.items()}

    def assign(self, values: Arrays) -> None:
        self._values = {name: np.array(values[name]) for name in self._values}

    def step(self, feeds: Arrays) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            gradients = self._twin.gradients(self._values, feeds)
            self._values = self._twin.apply(self._values, gradients)

    def observe(self, feeds: Arrays) -> tuple[dict[str, Array], dict[str, Array]]:
        return self.variables(), self.forward(feeds)

    def forward(self, feeds: Arrays) -> dict[str, Array]:
        with np.errstate(over="ignore", invalid="ignore"):
            return self._twin.forward(self._values, feeds)

    def gradients(self, feeds: Arrays) -> dict[str, Array]:
        with np.errstate(over="ignore", invalid="ignore"):
            return self._twin.gradients(self._values, feeds)

    def evaluate(self, feeds: Arrays) -> dict[str, Array]:
        return self._twin.evaluate(self._values, feeds)

    def curve(self, feeds: Arrays, names: Sequence[str]) -> dict[str, Array]:
        outputs = self.forward(feeds)
        if type(self._twin).evaluate is not NumpyTwin.evaluate:
            outputs = {**outputs, **self.evaluate(feeds)}
        return {name: outputs[name] for name in names}


def replay(record: Record) -> Record:
    """Retrain the record's tutorial with its NumPy twin on the same feeds and initial values."""
    tutorial, config = tutorial_of(record)
    twin = tutorial.numpy_twin(config, record.initial, record.platform)
    stepper = TwinStepper(twin, record.initial)
    feeds = [record.step_feeds(step) for step in range(1, record.steps + 1)]
    trajectory = run_steps(
        stepper,
        feeds,
        record.evaluation_feeds,
        who=(tutorial.name, "numpy"),
        curves=curve_plan(record),
        curve_feeds=record.curve_feeds,
    )
    return record_from(
        tutorial,
        config,
        record.seed,
        "numpy",
        record.feeds,
        record.evaluation_feeds,
        trajectory,
        {"numpy": np.__version__},
        record.platform,
        record.curve_feeds,
    )


def probe(record: Record, step: int, state: Arrays, after: Arrays) -> dict[str, dict[str, Array]]:
    tutorial, config = tutorial_of(record)
    twin = tutorial.numpy_twin(config, record.initial, record.platform)
    stepper = TwinStepper(twin, record.initial)
    return probe_stages(stepper, record, step, state, after)
