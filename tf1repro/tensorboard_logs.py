"""TensorBoard event files: a Run's ``A`` and ``loss`` per step, and the TF1 graph it trained.

Runs are laid out as ``<logdir>/<label>/<backend>`` (e.g. ``batch-20/eager``), so TensorBoard
draws every backend of one trainer in the same chart. The graph and reference backends are
written with TF1's ``tf.compat.v1.summary.FileWriter`` (the graph backend's folder also holds the
graph definition, for the Graphs tab); the eager backend writes its own with ``tf.summary``
(see ``tf1repro.eager``).

Event files are first written into a scratch folder and published together by ``EventLog``, so a
failed command leaves no half-written logs; publishing a run replaces that run's older event
files, so TensorBoard never draws two trajectories on top of each other.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from tf1repro.files import write_atomically
from tf1repro.recipes import get_recipe
from tf1repro.record import Run

#: The scalar tags written for every step.
TAGS = ("A", "loss")
_EVENT_FILE_PREFIX = "events.out.tfevents."


class EventLog:
    """Scratch space for event files, published into ``logdir`` only by ``publish()``.

    Use as a context manager; the scratch folder is removed on exit, published or not.
    """

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self._scratch = Path(tempfile.mkdtemp(prefix="tf1repro-events-"))

    def folder(self, label: str, backend: str) -> Path:
        """Where a writer puts the event files of one run (inside the scratch folder)."""
        return self._scratch / label / backend

    def publish(self) -> list[Path]:
        """Move every event file into ``logdir`` at once; return the published paths."""
        files = {
            self.logdir / path.relative_to(self._scratch): path.read_bytes()
            for path in sorted(self._scratch.rglob(f"{_EVENT_FILE_PREFIX}*"))
        }
        write_atomically(files)
        for folder in {path.parent for path in files}:
            for old in folder.glob(f"{_EVENT_FILE_PREFIX}*"):
                if old not in files:
                    old.unlink()
        return list(files)

    def close(self) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> EventLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def run_label(run: Run) -> str:
    """The folder a trainer's runs go in: the trainer, with the batch size if it takes one."""
    if run.trainer == "stochastic":
        return run.trainer
    return f"{run.trainer}-{run.config.batch_size}"


def write_runs(runs: Sequence[Run], logdir: Path) -> list[Path]:
    """Publish graph or reference Runs' events under ``logdir`` (the graph's with its GraphDef)."""
    with EventLog(logdir) as log:
        for run in runs:
            folder = log.folder(run_label(run), run.backend)
            write_v1_events(run, folder, with_graph=run.backend == "graph")
        return log.publish()


def write_v1_events(run: Run, folder: Path, *, with_graph: bool) -> None:
    """Write ``run``'s ``A`` and ``loss`` per step with ``tf.compat.v1.summary.FileWriter``.

    With ``with_graph``, also the graph definition of the run's recipe, built as the graph
    backend builds it (same op order and graph seed, hence the same GraphDef it trained).
    """
    from tf1repro import runtime

    tf = runtime.tf_v1()
    graph = None
    if with_graph:
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(run.seed)
            get_recipe(run.trainer).build_graph(tf, run.config)
    writer = tf.summary.FileWriter(str(folder), graph=graph)
    try:
        for step, (a, loss) in enumerate(zip(run.a, run.loss, strict=True), start=1):
            # simple_value is a 32-bit float field: the float32 values are stored exactly.
            values = [
                tf.Summary.Value(tag="A", simple_value=float(a)),
                tf.Summary.Value(tag="loss", simple_value=float(loss)),
            ]
            writer.add_summary(tf.Summary(value=values), global_step=step)
    finally:
        writer.close()


def read_scalars(folder: Path) -> dict[str, dict[int, float]]:
    """Every scalar in the event files of ``folder``: ``{tag: {step: value}}``.

    Reads both forms: TF1's ``simple_value`` and TF2's ``tf.summary`` tensors.
    """
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


def _events(folder: Path) -> Any:
    tf = _tensorflow()
    for path in sorted(folder.glob(f"{_EVENT_FILE_PREFIX}*")):
        yield from tf.compat.v1.train.summary_iterator(str(path))


def _tensorflow() -> Any:
    # Reading needs no v1 behaviour, but TensorFlow must be imported quietly, as runtime does.
    from tf1repro import runtime

    runtime.tf_v1()
    import tensorflow

    return tensorflow
