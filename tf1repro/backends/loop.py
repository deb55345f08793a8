"""The one training loop every backend runs, and what the backends share.

A backend offers the ``Stepper`` operations, and ``run_steps`` is the only training loop: for
every step, feed, update, then read every variable and fetch on the same feeds, as the original's
``sess.run(train_step)`` followed by ``sess.run(A)`` and ``sess.run(loss)`` do; after the steps a
``CurvePlan`` names, it evaluates outputs on other feeds too (a test accuracy after every step).
``probe_stages`` reads one step's stages the same way for ``tf1repro.diagnose``.

This module imports no backend: the backends import it, and the package imports them only to
dispatch to one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from tf1repro.config import Config, validate_seed
from tf1repro.errors import LOWER_THE_RATE, DivergenceError, ParameterError
from tf1repro.record import STEP_FEEDS, Curve, Record
from tf1repro.tutorial import Tutorial, load_tutorial

#: The most a run's record may hold in memory (every feed, variable and fetch of every step).
MAX_RECORD_BYTES = 2 * 1024**3

Array = npt.NDArray[Any]
Arrays = Mapping[str, Array]
Progress = Callable[[int, int], None]
"""Called after each step with the number of steps done and the number of steps in all."""
CurvePlan = Mapping[str, Mapping[str, Sequence[int]]]
"""Evaluation curves to compute: per output, per feed set label (``STEP_FEEDS``: the step's own
feeds), the steps after which to evaluate it."""


class Stepper(Protocol):
    """What a backend offers the loop: state, the step, and its stages for diagnosis."""

    def variables(self) -> dict[str, Array]:
        """Every variable's current value."""

    def assign(self, values: Arrays) -> None:
        """Set the variables (optimizer slots keep their state)."""

    def step(self, feeds: Arrays) -> None:
        """One optimizer step on ``feeds``."""

    def observe(self, feeds: Arrays) -> tuple[dict[str, Array], dict[str, Array]]:
        """The variables, and the fetches on ``feeds``."""

    def forward(self, feeds: Arrays) -> dict[str, Array]:
        """The fetches on ``feeds`` from the current variables."""

    def gradients(self, feeds: Arrays) -> dict[str, Array]:
        """The loss gradient of every variable that has one, at the current variables."""

    def evaluate(self, feeds: Arrays) -> dict[str, Array]:
        """The evaluations on ``feeds``."""

    def curve(self, feeds: Arrays, names: Sequence[str]) -> dict[str, Array]:
        """The outputs ``names`` (fetches or evaluations) on ``feeds``, from the current
        variables."""


@dataclass(frozen=True)
class Inputs:
    """All the randomness a run consumes on the NumPy side, drawn in the original's order."""

    data: Mapping[str, Any]
    feeds: Sequence[dict[str, Any]]
    """Step ``i + 1``'s feed values at index ``i``, as the tutorial returned them."""
    evaluation_feeds: Mapping[str, dict[str, Any]]


def draw_inputs(
    tutorial: Tutorial, config: Config, seed: int, *, check_size: bool = True
) -> Inputs:
    """The data, then every step's feeds, from one legacy ``RandomState(seed)``: the stream an
    unmodified original gets from ``np.random.seed(seed)`` at its start.

    With ``check_size``, a run whose feeds would not fit in memory is refused right after the
    first step's draw (``ParameterError`` naming ``steps``), before the others are drawn.
    """
    rng = np.random.RandomState(validate_seed(seed))
    data = tutorial.data(rng, config)
    feeds: list[dict[str, Any]] = []
    for step in range(1, config.steps + 1):
        feeds.append(tutorial.feeds(rng, config, data, step))
        if step == 1 and check_size:
            check_record_size(tutorial.name, config, feeds[0])
    return Inputs(data, feeds, tutorial.evaluation_feeds(config, data))


@dataclass(frozen=True)
class Trajectory:
    """What the loop recorded: initial values, then variables and fetches after each step."""

    initial: dict[str, Array]
    variables: dict[str, Array]
    fetches: dict[str, Array]
    evaluations: dict[str, dict[str, Array]]
    curves: dict[str, dict[str, Curve]]


def curve_plan(record: Record) -> dict[str, dict[str, list[int]]]:
    """The curves ``record`` holds, as a plan to evaluate them again at the same steps."""
    return {
        name: {label: curve.steps.tolist() for label, curve in by_label.items()}
        for name, by_label in record.curves.items()
    }


def run_steps(
    stepper: Stepper,
    feeds: Sequence[Arrays],
    evaluation_feeds: Mapping[str, Arrays],
    *,
    who: tuple[str, str],
    progress: Progress | None = None,
    curves: CurvePlan | None = None,
    curve_feeds: Mapping[str, Arrays] | None = None,
) -> Trajectory:
    """The training loop of every backend. ``who`` is (tutorial, backend) for errors;
    ``curves`` are evaluated after the steps they name, on ``curve_feeds`` by label.

    Raises ``DivergenceError`` at the first step where a float variable or fetch is not finite.
    """
    due: dict[int, dict[str, list[str]]] = {}
    for name, by_label in (curves or {}).items():
        for label, steps in by_label.items():
            for step in steps:
                due.setdefault(step, {}).setdefault(label, []).append(name)
    initial = stepper.variables()
    variables: dict[str, list[Array]] = {name: [] for name in initial}
    fetches: dict[str, list[Array]] = {}
    evaluated: dict[tuple[str, str], tuple[list[int], list[Array]]] = {}
    for step, step_feeds in enumerate(feeds, start=1):
        stepper.step(step_feeds)
        values, fetched = stepper.observe(step_feeds)
        for group, store in ((values, variables), (fetched, fetches)):
            for name, value in group.items():
                array = np.asarray(value)
                _check_finite(array, who, step, name, feeds)
                store.setdefault(name, []).append(array)
        for label, names in due.get(step, {}).items():
            on = step_feeds if label == STEP_FEEDS else (curve_feeds or {})[label]
            for name, value in stepper.curve(on, names).items():
                steps, arrays = evaluated.setdefault((name, label), ([], []))
                steps.append(step)
                arrays.append(np.asarray(value))
        if progress is not None:
            progress(step, len(feeds))
    evaluations = {label: stepper.evaluate(f) for label, f in evaluation_feeds.items()}
    made: dict[str, dict[str, Curve]] = {}
    for (name, label), (steps, arrays) in evaluated.items():
        made.setdefault(name, {})[label] = Curve(np.array(steps), np.stack(arrays))
    return Trajectory(
        initial=initial,
        variables={name: np.stack(v) for name, v in variables.items()},
        fetches={name: np.stack(v) for name, v in fetches.items()},
        evaluations=evaluations,
        curves={name: made[name] for name in (curves or {}) if name in made},
    )


def _check_finite(
    array: Array, who: tuple[str, str], step: int, name: str, feeds: Sequence[Arrays]
) -> None:
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = array.reshape(-1)[~np.isfinite(array.reshape(-1))][0]
        advice = _divergence_advice(feeds[:step])
        raise DivergenceError(who[0], who[1], step, float(bad), quantity=name, advice=advice)


#: Beyond this size a float32 value's square is infinite (sqrt of float32's largest value).
_SQUARE_OVERFLOWS = float(np.sqrt(np.finfo(np.float32).max))


def _divergence_advice(feeds: Sequence[Arrays]) -> str:
    """What to change after a divergence, given the feeds up to its step: the data when they
    are not finite or too large for float32 to square (a loss squares them whatever the
    learning rate), else the learning rate."""
    for step, step_feeds in enumerate(feeds, start=1):
        for name, value in step_feeds.items():
            array = np.asarray(value)
            if array.dtype.kind != "f" or array.size == 0:
                continue
            if not np.isfinite(array).all():
                return f"the data are not finite (feed {name!r} at step {step}): check the data"
            largest = float(np.max(np.abs(array)))
            if largest > _SQUARE_OVERFLOWS:
                return (
                    f"the data are too large for float32 (feed {name!r} reaches {largest:g} at "
                    f"step {step}; its square overflows): check the data"
                )
    return LOWER_THE_RATE


def record_from(
    tutorial: Tutorial,
    config: Config,
    seed: int,
    backend: str,
    feeds: Mapping[str, Array],
    evaluation_feeds: Mapping[str, Mapping[str, Array]],
    trajectory: Trajectory,
    versions: Mapping[str, str],
    platform: Mapping[str, str] | None = None,
    curve_feeds: Mapping[str, Mapping[str, Array]] | None = None,
) -> Record:
    return Record(
        tutorial=tutorial.spec or tutorial.name,
        backend=backend,
        config=config.to_dict(),
        seed=seed,
        versions=versions,
        platform=platform or {},
        feeds=feeds,
        initial=trajectory.initial,
        variables=trajectory.variables,
        fetches=trajectory.fetches,
        evaluation_feeds=evaluation_feeds,
        evaluations=trajectory.evaluations,
        curve_feeds=curve_feeds or {},
        curves=trajectory.curves,
    )


def stack_feeds(tutorial: str, per_step: Sequence[Mapping[str, Array]]) -> dict[str, Array]:
    """Every step's feeds as one array per placeholder, ``[steps, *shape]``."""
    names = list(per_step[0]) if per_step else []
    stacked = {}
    for name in names:
        shapes = {np.shape(step[name]) for step in per_step}
        if len(shapes) != 1:
            raise ParameterError(
                "feeds", name, f"one shape in every step in {tutorial} (got {sorted(shapes)})"
            )
        stacked[name] = np.stack([step[name] for step in per_step])
    return stacked


def check_record_size(tutorial: str, config: Config, first_step: Mapping[str, Any]) -> None:
    """Refuse, before training, a run whose record would not fit in memory."""
    per_step = sum(np.asarray(value).nbytes for value in first_step.values())
    estimate = per_step * config.steps
    if estimate > MAX_RECORD_BYTES:
        raise ParameterError(
            "steps",
            config.steps,
            f"small enough that {tutorial}'s record fits in memory: its feeds alone would take "
            f"{estimate / 1024**3:.1f} GiB (the limit is {MAX_RECORD_BYTES / 1024**3:g} GiB); "
            "lower --steps or the batch size",
        )


def tutorial_of(record: Record) -> tuple[Tutorial, Config]:
    """The tutorial and config a record was made with."""
    tutorial = load_tutorial(record.tutorial)
    return tutorial, tutorial.config_from(record.config)


def to_arrays(values: Mapping[str, Any], dtypes: Mapping[str, Any]) -> dict[str, Array]:
    """Feed values as arrays of the placeholders' dtypes (as Session.run converts them)."""
    return {name: np.asarray(values[name], dtype=dtypes[name]) for name in dtypes}


def probe_stages(
    stepper: Stepper, record: Record, step: int, state: Arrays, after: Arrays
) -> dict[str, dict[str, Array]]:
    """Replay ``record`` up to ``step - 1`` (optimizer slots evolve as they did), set the
    variables to ``state``, then read ``step``'s stages: every variable's gradient, the
    variables after the update, and the fetches on the same feeds from the variables ``after``
    (the graph's after that step: where a record reads its fetches, so both sides run their
    forward pass from the same values)."""
    for earlier in range(1, step):
        stepper.step(record.step_feeds(earlier))
    stepper.assign(state)
    feeds = record.step_feeds(step)
    gradients = stepper.gradients(feeds)
    stepper.step(feeds)
    update = stepper.variables()
    stepper.assign(after)
    return {"forward": stepper.forward(feeds), "gradients": gradients, "update": update}
