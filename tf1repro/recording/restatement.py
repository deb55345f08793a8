"""A tutorial checked against the recording of the unmodified script it restates.

``tf1repro legacy run SCRIPT --seed N --record`` holds what the script fed, started from and
computed, by TensorFlow's names (``Placeholder``, ``Variable``, ``Mean``...). A tutorial
(built in, or a user's ``Tutorial`` file) restates the script: its data, its feeds and its graph,
ops in the script's order. Trained with the same seed, its own record must hold the same bits.

``check_tutorials`` builds each tutorial's graph once to read which of its tensors carry the
recording's names: its placeholders and variables by their op names, and each recorded fetch
(the loss the optimizer minimises, and what the script's training call fetched) by its tensor
name. It then trains the tutorial on the graph backend, reading those fetches after every step
as the recorder read them, and compares, per quantity, every feed, every variable from its
initial value (step 0) through every step, and every recorded fetch (``recorded_as`` gives the
tutorial's record in the recording's names). A tutorial whose graph does not have the
recording's names, shapes or number of steps is not the same computation: ``Mismatch`` says
what differs.

The recording's evaluation curves (what the script evaluated between steps on feeds of its own:
a test accuracy after every step) are read from the tutorial's graph by tensor name too, after
the same steps, on the tutorial's ``evaluation_feeds``: each recorded feed set is paired with the
evaluation feed set that holds the same bits, else with the next unpaired one in order, and its
feeds are compared as well as the curves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

import numpy as np

from tf1repro.compare import Comparison, Deviation, curve_deviation, deviation
from tf1repro.config import Config, validate_seed
from tf1repro.equivalence import Report, Row
from tf1repro.errors import ParameterError
from tf1repro.record import STEP_FEEDS, Record
from tf1repro.recording.graph_structure import tensor_name
from tf1repro.recording.reader import RECORD_PATTERN, load_recordings
from tf1repro.tutorial import Tutorial, V1Graph, get_script, script_names

#: The two sides of every comparison: the script's recording, the tutorial's graph.
BACKENDS = ("legacy", "graph")


class Mismatch(ValueError):
    """The tutorial's graph is not the recorded one: other names, shapes or step counts."""


@dataclass(frozen=True)
class Restated:
    """A tutorial's run in a recording's names."""

    record: Record
    """The tutorial's record, its feeds, variables and fetches named as in the recording."""
    names: Mapping[str, str]
    """The recording's names mapped to the tutorial's (for placeholders, variables and the
    fetches and evaluations the tutorial declares)."""
    feed_sets: Mapping[str, str] = field(default_factory=dict)
    """The recording's curve feed set labels mapped to the tutorial's ``evaluation_feeds``."""


def check_tutorials(
    folder: str | os.PathLike[str],
    spec: str,
    *,
    seed: int | None = None,
    graphs: Sequence[int] | None = None,
    overrides: Mapping[str, Any] | None = None,
    tolerance_ulps: float = 0.0,
) -> Report:
    """Compare the tutorial or script ``spec`` with the run folder's recording, part by part.

    ``spec`` is a built-in tutorial or script, or ``path.py[:Class]``. ``seed`` defaults to the
    recording's. ``graphs`` gives the recorded graph (``record_N.json``) of each part in order;
    by default the parts take the graphs in order, and one part of a built-in script takes its
    place in the script when the recording has all of the script's graphs. ``overrides`` are
    config fields for the parts. Raises ``ParameterError`` for the options, ``Mismatch`` when a
    tutorial's graph is not the recorded one.
    """
    from tf1repro.reproduction import configs, parts

    recordings = load_recordings(folder)
    _, tutorials = parts(spec)
    numbers = pairing(sorted(recordings), tutorials, graphs, spec)
    seed = recorded_seed(recordings[numbers[0]]) if seed is None else validate_seed(seed)
    rows = []
    platform: dict[str, str] = {}
    made = configs(tutorials, overrides or {})
    for tutorial, config, number in zip(tutorials, made, numbers, strict=True):
        recording = recordings[number]
        label = f"{tutorial.name} ({RECORD_PATTERN.format(number).removesuffix('.json')})"
        restated = recorded_as(tutorial, config, seed, recording, label=label)
        rows.append(Row(label, compare_with_recording(recording, restated, label), tolerance_ulps))
        platform = dict(restated.record.platform)
    return Report(tuple(rows), tolerance_ulps, platform)


def pairing(
    numbers: Sequence[int],
    tutorials: Sequence[Tutorial],
    graphs: Sequence[int] | None,
    spec: str,
) -> list[int]:
    """The recorded graph of each tutorial, in order (see ``check_tutorials``)."""
    recorded = ", ".join(str(number) for number in numbers)
    if graphs is not None:
        text = ",".join(str(number) for number in graphs)
        if len(graphs) != len(tutorials) or not set(graphs) <= set(numbers):
            raise ParameterError(
                "graph",
                text,
                f"{len(tutorials)} of the recorded graphs ({recorded}), one per part of {spec}",
            )
        return list(graphs)
    if len(tutorials) == len(numbers):
        return list(numbers)
    if len(tutorials) == 1:
        place = _place_in_script(tutorials[0], len(numbers))
        if place is not None:
            return [place]
    raise ParameterError(
        "graph",
        None,
        f"given: the recording holds {len(numbers)} graph(s) ({recorded}) and {spec} has "
        f"{len(tutorials)} part(s); name the graph of each part, e.g. --graph "
        + ",".join(str(number) for number in numbers[: len(tutorials)]),
    )


def _place_in_script(tutorial: Tutorial, graphs: int) -> int | None:
    """Where a built-in part stands in the built-in script that has ``graphs`` parts."""
    if tutorial.spec != tutorial.name:
        return None
    for name in script_names():
        script = get_script(name)
        if script is not None and len(script.parts) == graphs and tutorial.name in script.parts:
            return script.parts.index(tutorial.name) + 1
    return None


def recorded_seed(recording: Record) -> int:
    """The seed the recorded run was given (``--seed``)."""
    text = recording.source.get("seed", "")
    if not text.isdigit():
        raise ParameterError(
            "seed",
            None,
            "given: the run was recorded without --seed, so no seed draws its feeds and "
            "initial values; record it again with --seed N",
        )
    return int(text)


def recorded_as(
    tutorial: Tutorial, config: Config, seed: int, recording: Record, *, label: str = ""
) -> Restated:
    """Train ``tutorial`` with ``seed`` and return its record in ``recording``'s names.

    Its graph must have the recording's placeholders and variables (by op name) and every
    recorded fetch (by tensor name), else ``Mismatch``; those fetches are read after each step.
    """
    from tf1repro.backends import train

    label = label or tutorial.name
    found = graph_names(tutorial, config, recording, label)
    feeds, variables = found["feeds"], found["variables"]
    sets = _feed_sets(tutorial, config, seed, recording, feeds, label)
    plan = {
        name: {
            sets.get(set_label, set_label): curve.steps.tolist() for set_label, curve in by.items()
        }
        for name, by in recording.curves.items()
    }
    observed = _observing(tutorial, list(recording.fetches), list(recording.curves))
    made = train(observed, config, seed, curves=plan)
    steps = _steps(recording, made, label)
    recorded_set = {mine: theirs for theirs, mine in sets.items()}
    record = replace(
        made,
        feeds={feeds[name]: values[:steps] for name, values in made.feeds.items()},
        initial={variables[name]: value for name, value in made.initial.items()},
        variables={variables[name]: values[:steps] for name, values in made.variables.items()},
        fetches={name: values[:steps] for name, values in made.fetches.items()},
        evaluation_feeds={},
        evaluations={},
        curve_feeds={
            recorded_set[set_label]: {feeds[name]: value for name, value in arrays.items()}
            for set_label, arrays in made.curve_feeds.items()
        },
        curves={
            name: {recorded_set.get(set_label, set_label): c for set_label, c in by.items()}
            for name, by in made.curves.items()
        },
    )
    names = {
        theirs: mine
        # A tensor both fetched and evaluated (a loss on the test set) goes by its fetch's name.
        for group in ("evaluations", "feeds", "variables", "fetches")
        for mine, theirs in found[group].items()
    }
    return Restated(record, names, sets)


def _feed_sets(
    tutorial: Tutorial,
    config: Config,
    seed: int,
    recording: Record,
    feeds: Mapping[str, str],
    label: str,
) -> dict[str, str]:
    """The tutorial's evaluation feed set (label) for each of the recording's curve feed sets:
    the one that holds the same bits, else the next unpaired one in order."""
    if not recording.curve_feeds:
        return {}
    data = tutorial.data(np.random.RandomState(seed), config)
    given = tutorial.evaluation_feeds(config, data)
    recorded = list(recording.curve_feeds)
    if len(given) < len(recorded):
        listed = ", ".join(given) or "none"
        raise Mismatch(
            f"{label}: the script evaluated on {len(recorded)} feed set(s) of its own between "
            f"steps, the tutorial's evaluation_feeds gives {len(given)} ({listed}): declare "
            "each, in the order the script first evaluates on it"
        )
    pairs: dict[str, str] = {}
    for theirs in recorded:
        for mine, values in given.items():
            if mine not in pairs.values() and _same_feeds(
                recording.curve_feeds[theirs], values, feeds
            ):
                pairs[theirs] = mine
                break
    unpaired = [mine for mine in given if mine not in pairs.values()]
    for theirs in recorded:
        if theirs not in pairs:
            pairs[theirs] = unpaired.pop(0)
    return {theirs: pairs[theirs] for theirs in recorded}


def _same_feeds(
    recorded: Mapping[str, Any], given: Mapping[str, Any], feeds: Mapping[str, str]
) -> bool:
    """Whether the tutorial's feed values ``given`` (by its names) are the recorded ones, as
    the placeholders' dtypes hold them."""
    if sorted(feeds.get(name, name) for name in given) != sorted(recorded):
        return False
    for name, value in given.items():
        theirs = recorded[feeds.get(name, name)]
        mine = np.asarray(value, dtype=theirs.dtype)
        if mine.shape != theirs.shape or mine.tobytes() != theirs.tobytes():
            return False
    return True


def graph_names(
    tutorial: Tutorial, config: Config, recording: Record, label: str
) -> dict[str, dict[str, str]]:
    """The op names of the tutorial's placeholders, variables and fetches, by the tutorial's
    names (``feeds``, ``variables``, ``fetches``), checked against the recording's names.

    The graph is built once on its own for this: a check that failed while training would
    bring TensorFlow's start-up messages along.
    """
    from tf1repro import runtime
    from tf1repro.backends.graph import built

    with built(tutorial, config, 0) as stepper:
        made = stepper.graph
        found = {
            "feeds": {name: tensor_name(t) for name, t in made.placeholders.items()},
            "variables": {name: v.op.name for name, v in made.variables.items()},
            "fetches": {
                name: tensor_name(t) for name, t in made.fetches.items() if hasattr(t, "op")
            },
            "evaluations": {
                name: tensor_name(t) for name, t in made.evaluations.items() if hasattr(t, "op")
            },
        }
        graph = runtime.tf_v1().get_default_graph()
        outputs = [*recording.fetches, *recording.curves]
        missing = [name for name in outputs if not _has_tensor(graph, name)]
    for what, group, recorded in (
        ("placeholders", "feeds", recording.feeds),
        ("variables", "variables", recording.initial),
    ):
        if sorted(found[group].values()) != sorted(recorded):
            unmatched = sorted(set(recorded) - set(found[group].values()))
            raise Mismatch(
                f"{label}: the tutorial's graph names its {what} "
                f"{sorted(found[group].values())}, the recording {sorted(recorded)} "
                + _advice(unmatched)
            )
    if missing:
        what = "fetch" if missing[0] in recording.fetches else "evaluation"
        raise Mismatch(
            f"{label}: the recorded {what} {missing[0]!r} is no tensor of the tutorial's graph "
            + _advice(missing)
        )
    return found


#: A name TensorFlow gives an op itself: its CamelCase type, a ``_N`` when taken, under scopes
#: named the same way, and ``:N`` for a later output (``Variable_1``, ``gradients/Mean:0``).
_TENSORFLOW_NAME = re.compile(r"^([A-Z][A-Za-z0-9]*(_\d+)?/)*[A-Z][A-Za-z0-9]*(_\d+)?(:\d+)?$")


def _advice(unmatched: Sequence[str]) -> str:
    """How to get the recording's names: the script's own ``name=`` where it gave one (a name
    TensorFlow does not make), else TensorFlow's, which come from building in the same order."""
    given = [name for name in unmatched if not _TENSORFLOW_NAME.match(name)]
    if given:
        listed = ", ".join(repr(name.partition(":")[0]) for name in given)
        return f"(the script names {listed} itself: give those ops its name= or name_scope)"
    return "(build the graph's ops in the script's order, without name=)"


def _has_tensor(graph: Any, name: str) -> bool:
    try:
        _tensor(graph, name)
    except (KeyError, ValueError):
        return False
    return True


def _tensor(graph: Any, name: str) -> Any:
    """A tensor by the recorder's name (``Mean``, or ``split:1`` for a later output)."""
    return graph.get_tensor_by_name(name if ":" in name else f"{name}:0")


def _observing(tutorial: Tutorial, fetches: Sequence[str], evaluated: Sequence[str]) -> Tutorial:
    """``tutorial`` whose graph fetches ``fetches`` (tensor names) after every step instead of
    its own fetches, and evaluates ``evaluated`` (tensor names) instead of its evaluations."""
    cls = type(tutorial)

    def build_v1(self: Tutorial, tf: ModuleType, config: Any) -> V1Graph:
        made: V1Graph = cls.build_v1(self, tf, config)
        graph = tf.get_default_graph()
        chosen = {name: _tensor(graph, name) for name in fetches}
        evaluations = {name: _tensor(graph, name) for name in evaluated}
        return V1Graph(made.placeholders, made.variables, chosen, made.train, evaluations)

    observed: Tutorial = type(cls.__name__, (cls,), {"build_v1": build_v1})()
    observed.spec = tutorial.spec
    return observed


def _steps(recording: Record, made: Record, label: str) -> int:
    """How many steps to compare: all of them, or the recording's when it was cut."""
    cut = "cut" in recording.source
    if made.steps == recording.steps or (cut and made.steps > recording.steps):
        return recording.steps
    where = f" (cut {recording.source['cut']})" if cut else ""
    raise Mismatch(
        f"{label}: the recording holds {recording.steps} steps{where}, the tutorial trained "
        f"{made.steps} (its config's steps can be set with --steps)"
    )


def compare_with_recording(recording: Record, restated: Restated, label: str) -> Comparison:
    """Every feed, variable (its initial value is step 0) and fetch of the recording against
    the tutorial's, in float32 ulps at each quantity's scale (``tf1repro.compare``)."""
    mine, names = restated.record, restated.names
    deviations: list[Deviation] = []
    groups = (
        ("feed", recording.feeds, mine.feeds, 1),
        ("variable", _from_initial(recording), _from_initial(mine), 0),
        ("fetch", recording.fetches, mine.fetches, 1),
    )
    for kind, theirs, ours, start in groups:
        for name, values in theirs.items():
            quantity = quantity_label(kind, name, names.get(name))
            _same_layout(quantity, values, ours[name], label)
            deviations.append(deviation(quantity, values, ours[name], start=start))
    return Comparison(
        label, BACKENDS, tuple(deviations + _curve_deviations(recording, restated, label))
    )


def _curve_deviations(recording: Record, restated: Restated, label: str) -> list[Deviation]:
    """Each curve feed set's feeds, then each curve, of the recording against the tutorial's
    (``Mean_1 (accuracy) on feeds 2 (test)``)."""
    mine, names = restated.record, restated.names

    def on(set_label: str) -> str:
        if set_label == STEP_FEEDS:
            return "the step's feeds"
        return f"feeds {set_label} ({restated.feed_sets[set_label]})"

    found: list[Deviation] = []
    for set_label, arrays in recording.curve_feeds.items():
        # A feed set is used from the first step a curve was evaluated on it.
        first = min(
            int(by[set_label].steps[0]) for by in recording.curves.values() if set_label in by
        )
        for name, values in arrays.items():
            quantity = f"{quantity_label('feed', name, names.get(name))} on {on(set_label)}"
            ours = mine.curve_feeds[set_label][name][np.newaxis]
            _same_layout(quantity, values[np.newaxis], ours, label, each="")
            found.append(deviation(quantity, values[np.newaxis], ours, start=first))
    for name, by_label in recording.curves.items():
        for set_label, curve in by_label.items():
            quantity = f"{quantity_label('fetch', name, names.get(name))} on {on(set_label)}"
            evaluated = mine.curves[name][set_label]
            _same_layout(quantity, curve.values, evaluated.values, label)
            found.append(curve_deviation(quantity, curve, evaluated))
    return found


def _from_initial(record: Record) -> dict[str, Any]:
    return {
        name: np.concatenate([record.initial[name][np.newaxis], values])
        for name, values in record.variables.items()
    }


def quantity_label(kind: str, name: str, mine: str | None) -> str:
    """How a report names a quantity: the recording's name, then the tutorial's or the port's
    (``Variable (A)``) where they differ; a feed says so (``feed Placeholder (x)``)."""
    prefix = "feed " if kind == "feed" else ""
    return f"{prefix}{name}" if mine is None or mine == name else f"{prefix}{name} ({mine})"


def _same_layout(quantity: str, theirs: Any, ours: Any, label: str, each: str = " a step") -> None:
    if theirs.dtype != ours.dtype or theirs.shape[1:] != ours.shape[1:]:
        raise Mismatch(
            f"{label}: {quantity} is {theirs.dtype} {list(theirs.shape[1:])}{each} in the "
            f"recording, {ours.dtype} {list(ours.shape[1:])} in the tutorial"
        )
