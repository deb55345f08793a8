"""A graph's recording in the record's JSON form (``tf1repro.record``): what the recorder
(``recorder.py``) writes at the end of a run, and how any recorder encodes an array.

Loaded from its file by the recorder in the legacy child (see ``recorder._beside``), once the
script has imported TensorFlow, hence NumPy.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy


def graph_entry(recording: Any) -> dict[str, Any]:
    """One graph's recording (``recorder.GraphRecording``) as the recording file holds it."""
    groups: dict[str, dict[str, Any]] = {"feeds": {}, "variables": {}, "fetches": {}}
    group_of = {"feed": "feeds", "variable": "variables", "fetch": "fetches"}
    for key, arrays in recording.steps.items():
        kind, _, name = key.partition(":")
        groups[group_of[kind]][name] = encode(numpy.stack(arrays))
    notes = dict(recording.notes)
    for line, names in recording.late.items():
        more = f" and {len(names) - 1} more" if len(names) > 1 else ""
        notes[f"not recorded: {names[0]}{more}"] = (
            f"evaluated by the script between steps, built by {line} after the graph "
            "first trained: a curve is of a tensor the training graph has"
        )
    entry = {
        "graph": recording.index,
        "steps": recording.count,
        "initial": {name: encode(a) for name, a in recording.initial.items()},
        **groups,
        "notes": notes,
        "sites": recording.sites,
        "trainers": recording.ran,
    }
    if recording.curves:
        entry["curves"] = curves(recording)
    return entry


def curves(recording: Any) -> dict[str, Any]:
    """A graph's curves in the record's JSON form (``tf1repro.record``'s ``curves``)."""
    return {
        "feeds": {
            label: {name: encode(array) for name, array in feeds.items()}
            for label, feeds in recording.curve_feeds.items()
        },
        "fetches": {
            name: {
                label: {"steps": steps, "values": encode(numpy.stack(arrays))}
                for label, (steps, arrays) in by_label.items()
            }
            for name, by_label in recording.curves.items()
        },
    }


def encode(array: Any) -> dict[str, Any]:
    """An array in the record's packed JSON form: its little-endian bytes in base64, every
    bit kept (NaN and infinities too), as ``tf1repro.record.decode_array`` reads it."""
    values = numpy.asarray(array)
    raw = values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
    packed = base64.b64encode(raw).decode("ascii")
    return {"dtype": values.dtype.name, "shape": list(values.shape), "packed": packed}
