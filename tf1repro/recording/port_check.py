"""A TF2 port checked against the recording of the unmodified TF1 script it ports.

``check_ports`` replays each port (``tf1repro.recording.port.Port``) on its graph's recorded feeds
from the recorded initial values, on the eager backend, and compares every variable and fetch step
by step with the recording (``tf1repro.compare``). ``diagnose_ports`` goes on from the first step
beyond the tolerance: the port runs that step from the recorded state before it, and its forward
pass from the recorded state after it (where the recording read its fetches, on the same feeds), so
a wrong forward pass is told from a wrong gradient or update. A recording holds no gradients: those
two stages are one.

A port defines one training step: it replays a graph whose steps all ran one training op (that
op), and refuses a graph whose steps ran several (``tf1repro port`` ports those, one training
function per op).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from tf1repro.compare import Comparison, compare_records, curve_quantity
from tf1repro.diagnose import (
    Diagnosis,
    first_parting,
    stage_gaps,
    step_states,
    worst_evaluation,
)
from tf1repro.equivalence import Report, Row
from tf1repro.errors import ParameterError
from tf1repro.record import Record
from tf1repro.recording.port import Port, load_ports
from tf1repro.recording.reader import load_recordings
from tf1repro.recording.restatement import quantity_label


def check_ports(
    folder: str | os.PathLike[str],
    spec: str,
    *,
    tolerance_ulps: float = 0.0,
    verbose: bool = False,
) -> Report:
    """Compare every port in ``spec`` (``path.py[:Class]``) with its recorded graph."""
    pairs = _pairs(folder, spec)
    replayed = _replayed(pairs, verbose)
    rows = tuple(
        Row(
            _label(port),
            _in_both_names(compare_records(record, made), port, record),
            tolerance_ulps,
        )
        for (port, record), made in zip(pairs, replayed, strict=True)
    )
    return Report(rows, tolerance_ulps, dict(replayed[0].platform))


def diagnose_ports(
    folder: str | os.PathLike[str],
    spec: str,
    *,
    tolerance_ulps: float = 0.0,
    verbose: bool = False,
) -> list[Diagnosis]:
    """Where each port in ``spec`` first parts from its recorded graph, and in which stage."""
    from tf1repro.backends import eager

    diagnoses = []
    for port, whole in _pairs(folder, spec):

        def replayed(prefix: Record, port: Port = port) -> Record:
            return _replayed([(port, prefix)], verbose)[0]

        record, made = first_parting(whole, replayed, tolerance_ulps)
        backends = (record.backend, made.backend)
        comparison = compare_records(record, made)
        step = comparison.first_beyond(tolerance_ulps, record, made)
        if step is None:
            named = _in_both_names(comparison, port, record)
            evaluation = worst_evaluation(named, tolerance_ulps)
            diagnoses.append(
                Diagnosis(_label(port), backends, tolerance_ulps, None, evaluation=evaluation)
            )
            continue
        before, after = step_states(record, step)
        theirs = eager.probe(record, step, before, after, verbose=verbose, port=port.spec)
        mine = {
            "forward": {name: values[step - 1] for name, values in record.fetches.items()},
            "update": after,
        }
        gaps = stage_gaps(record, mine, theirs)
        diagnoses.append(Diagnosis(_label(port), backends, tolerance_ulps, step, gaps))
    return diagnoses


def _in_both_names(comparison: Comparison, port: Port, record: Record) -> Comparison:
    """``comparison`` with each quantity named as the recording and as the port name it
    (``Variable (W)``, ``Mean_1 (accuracy) on feeds 2``), as a tutorial checked against a
    recording is reported."""
    labels = {
        curve_quantity(name, label): curve_quantity(
            quantity_label("variable", name, port.names.get(name)), label
        )
        for name, by_label in record.curves.items()
        for label in by_label
    }

    def named(quantity: str) -> str:
        if quantity in labels:
            return labels[quantity]
        return quantity_label("variable", quantity, port.names.get(quantity))

    deviations = tuple(replace(d, quantity=named(d.quantity)) for d in comparison.deviations)
    return replace(comparison, deviations=deviations)


def _pairs(folder: str | os.PathLike[str], spec: str) -> list[tuple[Port, Record]]:
    records = load_recordings(folder)
    pairs = []
    for port in load_ports(spec):
        if port.recording not in records:
            raise ParameterError(
                "port",
                spec,
                f"ports of the recorded graphs {sorted(records)} "
                f"({type(port).__name__}.recording is {port.recording!r})",
            )
        record = records[port.recording]
        ran = sorted({int(trainer) + 1 for trainer in record.trainers})
        if len(ran) > 1:
            raise ParameterError(
                "port",
                spec,
                f"ports of graphs trained by one training op (graph {port.recording}'s steps "
                f"ran its training ops {ran}: `tf1repro port SCRIPT` ports each)",
            )
        pairs.append((port, record))
    return pairs


def _replayed(pairs: list[tuple[Port, Record]], verbose: bool) -> list[Record]:
    from tf1repro.backends import eager

    options: dict[str, Any] = {"verbose": verbose, "ports": [port.spec for port, _ in pairs]}
    made = eager.replay_all([record for _, record in pairs], **options)
    # Its one training step stands for the one op the recorded steps ran (see _pairs).
    return [
        replace(replayed, trainers=record.trainers)
        for (_, record), replayed in zip(pairs, made, strict=True)
    ]


def _label(port: Port) -> str:
    return f"{type(port).__name__} (record_{port.recording})"
