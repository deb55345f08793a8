"""The records of an unmodified script's training (``legacy run --record``), one per graph.

The child's recorder (``recorder.py``) leaves what each graph's training steps fed, started from
and computed in its staging folder; ``records_of`` turns that into engine records
(``tf1repro.record``, backend ``legacy``), which the runner writes as ``record_N.json`` in the
run folder, numbered in the order the graphs first trained, and lists in ``run.json``.
``load_recordings`` reads them back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tf1repro.record import STEP_FEEDS, Record, decode_array, read_curves

RECORD_PATTERN = "record_{}.json"
#: What a recording's ``source`` says of where it comes from; its other entries are notes.
_IDENTITY = ("script", "graph", "seed")
#: The key of a record's ``source`` that holds, as JSON, where the script built each op.
SITES = "sites"
#: The arrays one graph's recording may hold before it is cut (its JSON is several times more).
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
#: The largest recording file the parent reads back from the child.
RECORDING_LIMIT = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Recording:
    """What ``--record`` keeps: at most ``steps`` steps (None: all) and ``max_bytes`` of arrays
    per graph; the record says where it was cut. With ``files`` False the records are not
    written in the run folder, only returned (``runner.run_recorded``): ``tf1repro port``
    compares them and keeps them only when asked to."""

    steps: int | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    files: bool = True

    def to_child(self) -> dict[str, Any]:
        return {"steps": self.steps, "bytes": self.max_bytes}


def records_of(
    recording: Path, script: Path, seed: int | None, versions: Mapping[str, str]
) -> list[Record]:
    """The records in the child's ``recording`` file (none when it wrote no file)."""
    from tf1repro.files import read_json

    if not recording.is_file():
        return []
    data = read_json(recording, limit=RECORDING_LIMIT)
    records = []
    for graph in data["graphs"]:
        where = f"graph {graph['graph']}"
        groups: dict[str, Any] = {
            group: {
                name: decode_array(value, f"{where}.{group}.{name}")
                for name, value in graph[group].items()
            }
            for group in ("initial", "variables", "fetches", "feeds")
        }
        source = {  # _IDENTITY, then the recorder's notes
            "script": script.name,
            "graph": str(graph["graph"]),
            "seed": "none: the run was not seeded" if seed is None else str(seed),
            **graph["notes"],
        }
        if graph.get("sites"):
            # Where the script built each op, for `tf1repro port` (see the recorder).
            source[SITES] = json.dumps(graph["sites"])
        # The recorder writes the curves in the record's own JSON form.
        curve_feeds, curves = read_curves(graph["curves"]) if "curves" in graph else ({}, {})
        records.append(
            Record(
                tutorial=f"{script.name}#{graph['graph']}",
                backend="legacy",
                config={},
                seed=0 if seed is None else seed,
                versions={k: v for k, v in versions.items() if k in ("numpy", "tensorflow")},
                source=source,
                curve_feeds=curve_feeds,
                curves=curves,
                trainers=np.array(graph["trainers"], dtype=np.int64),
                **groups,
            )
        )
    return records


def load_recordings(folder: str | os.PathLike[str]) -> dict[int, Record]:
    """The records of a run folder made with ``--record``, by graph number (1, 2, ...).

    Raises ``tf1repro.files.InputError`` naming the file (or ``run.json``) that is wrong.
    """
    from tf1repro.files import InputError, read_json
    from tf1repro.record import load_record

    path = Path(folder)
    manifest = path / "run.json"
    run = read_json(manifest, limit=16 * 1024 * 1024)
    names = run.get("records") if isinstance(run, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError(manifest, "is not the run.json of a run made with --record", "records")
    if not names:
        raise InputError(manifest, "lists no records: the script ran no training step", "records")
    records = {}
    for number, name in enumerate(names, start=1):
        if name != RECORD_PATTERN.format(number):
            expected = RECORD_PATTERN.format(number)
            raise InputError(manifest, f"lists {name!r} where {expected!r} belongs", "records")
        records[number] = load_record(path / name)
    return records


def summary(named: Mapping[str, Record]) -> list[str]:
    """What ``--record`` kept, per record file name and its record: its steps, placeholders,
    variables and fetches by the recorded names (what a ``Port``'s ``names`` map), and what was
    not recorded and why."""
    lines = []
    for name, record in named.items():
        lines.append(f"{name} (graph {record.source.get('graph', '?')}): {record.steps} steps")
        for label, arrays in (
            ("placeholders", record.feeds),
            ("variables", record.initial),
            ("fetches", record.fetches),
        ):
            # A feed and a fetch hold one value per step: show one step's shape.
            step = 0 if arrays is record.initial else 1
            listed = ", ".join(
                f"{key} {array.dtype} {list(array.shape[step:])}" for key, array in arrays.items()
            )
            lines.append(f"  {label + ':':<14}{listed or 'none'}")
        lines.extend(_curve_lines(record))
        # The recorder's notes: what was not recorded, where it was cut, an error.
        for key, why in record.source.items():
            if key not in (*_IDENTITY, SITES):
                lines.append(f"  {key}: {why}")
    return lines


def _curve_lines(record: Record) -> list[str]:
    """The summary's lines for the evaluation curves: each by its output's recorded name, the
    feed set it was evaluated on and how many steps; then each feed set's placeholders."""
    if not record.curves:
        return []
    curves = []
    for name, by_label in record.curves.items():
        for label, curve in by_label.items():
            on = "the step's feeds" if label == STEP_FEEDS else f"feeds {label}"
            shape = list(curve.values.shape[1:])
            curves.append(
                f"{name} {curve.values.dtype} {shape} on {on} after {len(curve.steps)} step(s)"
            )
    lines = [f"  {'evaluated:':<14}" + ", ".join(curves)]
    for label, feeds in record.curve_feeds.items():
        listed = ", ".join(
            f"{key} {array.dtype} {list(array.shape)}" for key, array in feeds.items()
        )
        lines.append(f"  {f'feeds {label}:':<14}{listed or 'none'}")
    return lines
