"""A program that ``tf1repro port`` wrote, checked again (after an edit) and diagnosed.

``tf1repro port SCRIPT --record RUN`` keeps the original's recording in the run folder ``RUN``
with ``port.json``: which function of the program trains which graph, through which names.
``diagnose_program`` runs the program (as it is now, edited or not) under the TF2 recorder, in
its own process, as the port's proof ran it, and compares with the recording:

1. every graph the original trained must be trained by the program, fed the same data from the
   same initial values, each step by the function of the training op the original ran: else the
   first feed (with its step), initial value or step's training function that differs;
2. step by step, every variable and recorded fetch: at the first step beyond the tolerance the
   program runs again and stops at that step, started from the recorded state before it
   (``tf2_recorder``'s probe), and the diagnosis (``tf1repro.diagnose``) tells the forward pass
   (each fetch computed from the recorded state after the step, on the step's feeds) from the
   update (a recording holds no gradients: gradient and optimizer are one stage);
3. when every step agrees, the printed output, number by number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from tf1repro import files
from tf1repro.diagnose import Diagnosis, stage_gaps, step_states
from tf1repro.legacy.settings import RunSettings
from tf1repro.record import Record, decode_array
from tf1repro.recording.autoport import (
    PORT_FILE,
    STDIN_FILE,
    printed_difference,
    program_records,
    run_program,
    with_lines,
)
from tf1repro.recording.reader import load_recordings
from tf1repro.recording.recorded_json import encode
from tf1repro.recording.restatement import quantity_label
from tf1repro.recording.steps import TrainStep

#: How a diagnosis names the two sides.
BACKENDS = ("original", "program")


@dataclass(frozen=True)
class ProgramCheck:
    """What ``diagnose_program`` found: a diagnosis per graph, then what else differs."""

    program: str
    tolerance_ulps: float
    diagnoses: tuple[Diagnosis, ...]
    problem: str | None
    """What differs before or besides the steps (a graph not trained, other inputs, the printed
    output); None when nothing does."""
    numbers: int
    """How many printed numbers were compared (when every step agreed)."""

    @property
    def agrees(self) -> bool:
        """Whether the program still computes what the original did."""
        return self.problem is None and all(d.agrees for d in self.diagnoses)

    def lines(self) -> list[str]:
        lines = [line for diagnosis in self.diagnoses for line in diagnosis.lines()]
        if self.problem is not None:
            lines.append(f"{self.program}: {self.problem}")
        elif self.agrees:
            lines.append(
                f"{self.program}: every step within {self.tolerance_ulps:g} ulps of the "
                f"original's, and its {self.numbers} printed numbers"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "agrees": self.agrees,
            "tolerance_ulps": self.tolerance_ulps,
            "graphs": [diagnosis.to_dict() for diagnosis in self.diagnoses],
            "problem": self.problem,
        }


@dataclass(frozen=True)
class _Run:
    """What running the program needs: the original's run and the program's training steps."""

    script: Path
    args: list[str]
    seed: int
    settings: RunSettings
    text: str
    steps: list[TrainStep]
    names: dict[str, str]
    """TF1 name -> the program's (a variable, or the function computing a fetch)."""


def diagnose_program(
    folder: str | os.PathLike[str],
    program: str | os.PathLike[str],
    *,
    tolerance_ulps: float = 0.0,
    timeout: float = 600.0,
) -> ProgramCheck:
    """Check ``program`` against the recording ``port --record`` kept in ``folder``.

    Raises ``files.InputError`` for a folder that is no such recording or a program that lacks
    a training function the recording is compared through; ``ScriptFailed`` when the program
    fails.
    """
    records = load_recordings(folder)
    run = _load(Path(folder), Path(program), records, timeout)
    original = files.read_text(Path(folder) / "stdout.txt").splitlines()
    label = Path(program).name
    with files.scratch_dir("diagnose") as scratch:
        staging = run_program(run.script, run.text, run.steps, run.args, run.settings, scratch)
        ported, printed = program_records(staging, run.script, run.seed)
        diagnoses: list[Diagnosis] = []
        for number, whole in records.items():
            # The program's recorder reads training steps only (as the port's proof does).
            record = replace(whole, curve_feeds={}, curves={})
            if number not in ported:
                return ProgramCheck(
                    label, tolerance_ulps, tuple(diagnoses), _untrained(number, run), 0
                )
            mine = replace(
                ported[number],
                backend="program",
                versions=record.versions,
                platform=record.platform,
            )
            other = _other_inputs(record, mine, run.names)
            if other is not None:
                problem = f"graph {number}: {other}: the program's data is not the original's"
                return ProgramCheck(label, tolerance_ulps, tuple(diagnoses), problem, 0)
            order = _other_trainer(record, mine, run)
            if order is not None:
                problem = f"graph {number}: {order}: the program trains in another order"
                return ProgramCheck(label, tolerance_ulps, tuple(diagnoses), problem, 0)
            diagnoses.append(
                _diagnosis(f"{label} (graph {number})", record, mine, tolerance_ulps, run, scratch)
            )
    if not all(d.agrees for d in diagnoses):
        return ProgramCheck(label, tolerance_ulps, tuple(diagnoses), None, 0)
    return ProgramCheck(
        label, tolerance_ulps, tuple(diagnoses), *_printed(original, printed, records, ported)
    )


def _load(folder: Path, program: Path, records: dict[int, Record], timeout: float) -> _Run:
    """The original's run (``run.json``, ``port.json``) and the program's training steps."""
    from tf1repro.legacy.settings import RunSettings

    kept = folder / PORT_FILE
    if not kept.is_file():
        raise files.InputError(
            kept, "is missing: keep the recording with `tf1repro port SCRIPT --record RUN`"
        )
    port = files.read_json(kept)
    run = files.read_json(folder / "run.json")
    script = Path(run["script"])
    if not script.parent.is_dir():
        raise files.InputError(folder / "run.json", f"names {script}, whose folder is gone")
    if not program.is_file():
        raise files.InputError(program, "is not a file")
    text = files.read_text(program)
    steps = [TrainStep.from_dict(step) for step in port["steps"]]
    names: dict[str, str] = {}
    for step in steps:
        names |= {tf1: mine for mine, tf1 in step.variables.items()}
        names |= {tf1: step.tensors.get(tf1, f) for tf1, (f, _) in step.fetches.items()}
        names |= {tf1: param for param, (tf1, _) in step.feeds.items()}
    try:
        lined = with_lines(text, steps, 0)
    except StopIteration:
        raise files.InputError(program, _missing_function(text, steps)) from None
    except Exception as error:  # libcst's syntax error: the edited program is not Python
        first = str(error).strip().splitlines()[0]
        raise files.InputError(program, f"is not Python: {first}") from None
    stdin = folder / STDIN_FILE
    seed = next(iter(records.values())).seed
    settings = RunSettings(
        seed=seed, timeout=timeout, stdin=files.read_bytes(stdin) if stdin.is_file() else None
    )
    return _Run(script, list(run["args"]), seed, settings, text, lined, names)


def _missing_function(text: str, steps: list[TrainStep]) -> str:
    import libcst as cst

    defined = {
        node.name.value for node in cst.parse_module(text).body if isinstance(node, cst.FunctionDef)
    }
    missing = next(step for step in steps if step.function not in defined)
    return (
        f"defines no function {missing.function!r}, the training step of graph "
        f"{missing.graphs[0]} that the recording is compared through"
    )


def _untrained(number: int, run: _Run) -> str:
    function = next(step.function for step in run.steps if number in step.graphs)
    return f"graph {number} was not trained: the program never called {function}()"


def _other_inputs(record: Record, mine: Record, names: dict[str, str]) -> str | None:
    """The first initial value, or feed and step, where the program's inputs are not the
    original's (bit for bit); None when they are all the same."""
    for name, value in record.initial.items():
        if name not in mine.initial or not _same(value, mine.initial[name]):
            return (
                f"the initial value of {quantity_label('variable', name, names.get(name))} differs"
            )
    for name, values in record.feeds.items():
        theirs = mine.feeds.get(name)
        feed = quantity_label("feed", name, names.get(name))
        if theirs is None or theirs.shape[1:] != values.shape[1:]:
            return f"the {feed} has another shape"
        for step, (a, b) in enumerate(zip(values, theirs, strict=False), start=1):
            if not _same(a, b):
                return f"the {feed} differs first at step {step}"
    return None


def _other_trainer(record: Record, mine: Record, run: _Run) -> str | None:
    """The first step the program ran another training op's function for than the original
    ran; None when each step ran the original's."""
    graph = int(record.source["graph"])
    functions = {step.trainer: step.function for step in run.steps if graph in step.graphs}
    for step in range(1, min(record.steps, mine.steps) + 1):
        theirs, ours = record.trainer(step), mine.trainer(step)
        if theirs != ours:
            wanted = functions.get(theirs, f"training op {theirs + 1}")
            ran = functions.get(ours, f"training op {ours + 1}")
            return f"step {step} ran {ran}(), where the original ran {wanted}"
    return None


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return bool(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes())


def _diagnosis(
    label: str,
    record: Record,
    mine: Record,
    tolerance_ulps: float,
    run: _Run,
    scratch: Path,
) -> Diagnosis:
    """Where one graph first parts, and in which stage (see the module docstring)."""
    from tf1repro.compare import compare_records

    comparison = compare_records(record, mine)
    step = comparison.first_beyond(tolerance_ulps, record, mine)
    if step is None:
        return Diagnosis(label, BACKENDS, tolerance_ulps, None)
    before, after = step_states(record, step)
    probe = {
        "graph": int(record.source["graph"]),
        "step": step,
        "before": {name: encode(value) for name, value in before.items()},
        "after": {name: encode(value) for name, value in after.items()},
    }
    staging = run_program(
        run.script, run.text, run.steps, run.args, run.settings, scratch, probe=probe
    )
    probed = files.read_json(staging / "recording.json").get("probe", {})
    theirs = {
        stage: {name: decode_array(value, f"probe.{name}") for name, value in values.items()}
        for stage, values in probed.items()
    }
    ours = {
        "forward": {name: values[step - 1] for name, values in record.fetches.items()},
        "update": after,
    }
    gaps = tuple(
        replace(gap, quantity=quantity_label("variable", gap.quantity, run.names.get(gap.quantity)))
        for gap in stage_gaps(record, ours, theirs)
    )
    return Diagnosis(label, BACKENDS, tolerance_ulps, step, gaps)


def _printed(
    original: list[str],
    printed: list[str],
    records: dict[int, Record],
    ported: dict[int, Record],
) -> tuple[str | None, int]:
    """What differs first in the printed output (None: nothing), and how many numbers."""
    from tf1repro.compare import compare_records

    exact = all(
        compare_records(replace(r, curve_feeds={}, curves={}), ported[n]).worst == 0
        for n, r in records.items()
    )
    return printed_difference(original, printed, exact=exact)
