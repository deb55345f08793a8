"""Test-only readers of TensorBoard event files: what a test reads back from what was written.

The package only writes event files (``tf1repro.backends.tensorboard``); these read them with
TensorFlow's own iterator, in both forms the package writes: TF1's ``simple_value`` (the graph
and NumPy backends) and TF2's ``tf.summary`` tensors (the eager backend).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tf1repro.backends.tensorboard import EVENT_FILE_PREFIX


def read_scalars(folder: Path) -> dict[str, dict[int, float]]:
    """Every scalar in the event files of ``folder``: ``{tag: {step: value}}``."""
    tf = _tensorflow()
    scalars: dict[str, dict[int, float]] = {}
    for event in _events(folder):
        for value in event.summary.value:
            if value.HasField("simple_value"):
                number = float(value.simple_value)
            else:
                number = float(tf.make_ndarray(value.tensor))
            scalars.setdefault(value.tag, {})[int(event.step)] = number
    return scalars


def read_graph_def(folder: Path) -> Any:
    """The ``GraphDef`` stored in ``folder``'s event files, or None if there is none."""
    tf = _tensorflow()
    for event in _events(folder):
        if event.graph_def:
            graph_def = tf.compat.v1.GraphDef()
            graph_def.ParseFromString(event.graph_def)
            return graph_def
    return None


def event_files(folder: Path) -> list[Path]:
    """The event files directly in ``folder``, sorted."""
    return sorted(folder.glob(f"{EVENT_FILE_PREFIX}*"))


def _events(folder: Path) -> Iterator[Any]:
    tf = _tensorflow()
    for path in event_files(folder):
        yield from tf.compat.v1.train.summary_iterator(str(path))


def _tensorflow() -> Any:
    # Reading needs no v1 behaviour, but TensorFlow must be imported quietly, as runtime does.
    from tf1repro import runtime

    runtime.tf_v1()
    import tensorflow

    return tensorflow
