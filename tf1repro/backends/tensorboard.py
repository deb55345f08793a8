"""TensorBoard event files: every variable and fetch of a record per step, and its TF1 graph.

Records are laid out as ``<logdir>/<case>/<backend>`` (e.g. ``batch-20/eager``), so TensorBoard
draws every backend of one case in the same chart. Each element of a quantity is one scalar tag:
``A`` for a one-element variable, ``A/0``, ``A/1``... otherwise. The graph and NumPy backends are
written with TF1's ``tf.compat.v1.summary.FileWriter`` (the graph backend's folder also holds the
graph definition, for the Graphs tab); the eager backend writes its own with ``tf.summary``
(see ``tf1repro.backends.eager``).

Event files are first written into a scratch folder and published together by ``EventLog``, so a
failed or interrupted command leaves no half-written logs and no scratch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.files import publish, scratch_dir
from tf1repro.record import Record

EVENT_FILE_PREFIX = "events.out.tfevents."


def scalar_tags(
    group: Mapping[str, npt.NDArray[Any]],
) -> Iterator[tuple[str, npt.NDArray[Any]]]:
    """``(tag, value per step)`` for every element of every quantity in ``group``."""
    for name, values in group.items():
        flat = np.asarray(values).reshape(len(values), -1)
        if flat.shape[1] == 1:
            yield name, flat[:, 0]
        else:
            for element in range(flat.shape[1]):
                yield f"{name}/{element}", flat[:, element]


class EventLog:
    """Scratch space for event files, published into ``logdir`` only by ``publish()``.

    Use as a context manager; the scratch folder is removed on exit, published or not (also on
    Ctrl-C or SIGTERM).
    """

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self._context = scratch_dir("events")
        self._scratch = self._context.__enter__()

    @property
    def scratch(self) -> Path:
        """The scratch folder; event files under it are published by ``publish()``."""
        return self._scratch

    def folder(self, label: str, backend: str) -> Path:
        """Where a writer puts the event files of one record (inside the scratch folder)."""
        return self._scratch / label / backend

    def publish(self) -> list[Path]:
        """Publish every event file into ``logdir`` as one set (``tf1repro.files.publish``): the
        events of an earlier command there are replaced, so TensorBoard never draws two
        trajectories of one case on top of each other. Returns the published paths."""
        files = {
            str(path.relative_to(self._scratch)): path.read_bytes()
            for path in sorted(self._scratch.rglob(f"{EVENT_FILE_PREFIX}*"))
        }
        return publish(self.logdir, files, option="--logdir")

    def close(self) -> None:
        self._context.__exit__(None, None, None)

    def __enter__(self) -> EventLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def write_records(records: Sequence[tuple[str, Record]], logdir: Path) -> list[Path]:
    """Publish graph or NumPy records' events under ``logdir/<label>/<backend>``."""
    with EventLog(logdir) as log:
        for label, record in records:
            folder = log.folder(label, record.backend)
            write_v1_events(record, folder, with_graph=record.backend == "graph")
        return log.publish()


def write_v1_events(record: Record, folder: Path, *, with_graph: bool) -> None:
    """Write every variable and fetch per step with ``tf.compat.v1.summary.FileWriter``.

    With ``with_graph``, also the graph definition of the record's tutorial, built as the graph
    backend builds it (same op order and graph seed, hence the same GraphDef it trained).
    """
    from tf1repro import runtime
    from tf1repro.backends.loop import tutorial_of

    tf = runtime.tf_v1()
    graph = None
    if with_graph:
        tutorial, config = tutorial_of(record)
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(record.seed)
            tutorial.build_v1(tf, config)
    tags = list(scalar_tags(record.quantities()))
    writer = tf.summary.FileWriter(str(folder), graph=graph)
    try:
        for step in range(1, record.steps + 1):
            # simple_value is a 32-bit float field: float32 values are stored exactly.
            values = [
                tf.Summary.Value(tag=tag, simple_value=float(series[step - 1]))
                for tag, series in tags
            ]
            writer.add_summary(tf.Summary(value=values), global_step=step)
    finally:
        writer.close()
