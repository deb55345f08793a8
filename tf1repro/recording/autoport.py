"""``tf1repro port``: an unmodified TF1 script in, a TF2 program out, proven equal by recording.

1. The script runs once under the recorder, as ``tf1repro legacy run SCRIPT --seed N --record``
   runs it (``tf1repro.legacy.run_script``): every trained graph's feeds, initial values,
   variables and loss after every step, and where the script built each op (``sites``).
2. ``rewrite`` turns the source into the TF2 program (libcst; the script's names, data code,
   loops, prints and comments kept). Seeded initialisers are TF2 calls with the op seed TF1 gave
   each op: run alone, the program draws what the original drew under ``--seed N``.
3. The proof: the program runs in its own process under the TF2 recorder (``tf2_recorder``),
   which records the same quantities under the original's names; each graph is compared step by
   step (``tf1repro.compare``), and the printed output number by number
   (``tf1repro.legacy.diff_logs``). 0 ulp is required, except where a Keras optimizer that does
   not compute the v1 update bit for bit was chosen: then its measured distance is stated.
4. The program is written (``tf1repro.files.write_file``, atomic) with a header naming the
   original, the seed, tf1repro's version and the proof's result.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import libcst as cst

from tf1repro import files, process_group
from tf1repro._version import __version__
from tf1repro.equivalence import Report, Row
from tf1repro.legacy.settings import RunSettings
from tf1repro.record import Record
from tf1repro.recording.constructs import unportable
from tf1repro.recording.reader import RECORDING_LIMIT
from tf1repro.recording.sites import GraphSites, graph_sites
from tf1repro.recording.steps import TrainStep
from tf1repro.recording.translate import Unportable

if TYPE_CHECKING:
    from tf1repro.compare import Comparison

#: The folder ``port`` writes into by default.
DEFAULT_OUT = "ported"
#: The header's lines; the proof's line is filled in once the proof has run.
HEADER = (
    "# {script} ported to TensorFlow 2 by tf1repro {version} (`tf1repro port`).\n"
    "# Run alone it draws what `tf1repro legacy run {script} --seed {seed}{args}` drew.\n"
    "# Proof: {proof}\n"
    "{recording}"
    "\n"
)
#: The header's line when the original's recording is kept (``port --record RUN``).
RECORDING_LINE = "# After an edit: tf1repro diagnose --record {run} --program {program}\n"
#: What ``port --record RUN`` adds to the run folder: how the program's steps are recorded.
PORT_FILE = "port.json"
#: The standard input both runs read, kept beside the recording when there was one.
STDIN_FILE = "stdin.txt"
#: The files of the original's run kept with ``--record``: enough to compare again.
KEPT = ("run.json", "stdout.txt")


class ScriptFailed(Exception):
    """The original (or the generated program) did not run to its end; one line says why."""


@dataclass(frozen=True)
class PortResult:
    """What ``port_script`` made and how its proof went."""

    script: str
    program: Path
    """The TF2 program written (``<out>/<stem>_tf2.py``)."""
    status: str
    """``exact`` (0 ulp everywhere), ``within`` (a Keras optimizer's measured distance) or
    ``differs``."""
    worst_ulps: float
    reason: str
    """One line: the proof's result, or what differs first (quantity, step, ulps)."""
    report: Report
    """The step-by-step comparison, one row per graph (the table of ``compare --record``)."""
    graphs: tuple[dict[str, Any], ...]
    """Per graph: ``graph``, ``status``, ``worst_ulps``, ``optimizer``."""
    recording: Path | None = None
    """The run folder the original's recording was kept in (``--record``), or None."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "script": self.script,
            "program": str(self.program),
            "status": self.status,
            "worst_ulps": _json_ulps(self.worst_ulps),
            "reason": self.reason,
            "graphs": [{**g, "worst_ulps": _json_ulps(g["worst_ulps"])} for g in self.graphs],
            "recording": None if self.recording is None else str(self.recording),
        }


def _json_ulps(ulps: float) -> float | str:
    """Strict JSON has no infinity (a NaN against a number is infinitely far)."""
    return ulps if math.isfinite(ulps) else "inf"


def port_script(
    script: str | os.PathLike[str],
    out: str | os.PathLike[str] = DEFAULT_OUT,
    *,
    seed: int = 0,
    exact: bool = False,
    args: Sequence[str] = (),
    timeout: float = 600.0,
    data_dir: str | os.PathLike[str] | None = None,
    stdin: bytes | None = None,
    record: str | os.PathLike[str] | None = None,
    timings: dict[str, float] | None = None,
) -> PortResult:
    """Port ``script`` (an unmodified TF1 script run with ``args`` and ``--seed seed``) to a
    TF2 program in ``out``, proven against the original's recording. ``data_dir`` and
    ``stdin`` are ``legacy run``'s (``RunSettings``): both runs read ``stdin``. With
    ``record``, the original's recording is kept in that run folder with what
    ``tf1repro diagnose --record RUN --program PROGRAM`` needs to check an edited program.
    ``timings``, if given, receives the seconds of each phase (``PHASES``), for benchmarks.

    Raises ``files.InputError`` for a script that is missing, not Python or trains nothing,
    ``Unportable`` naming each construct not ported (with its line), ``ScriptFailed`` when the
    original or the program fails; nothing is written then.
    """
    from tf1repro.config import validate_seed
    from tf1repro.legacy import run_recorded
    from tf1repro.recording.reader import Recording
    from tf1repro.recording.rewrite import rewrite

    lap = _laps({} if timings is None else timings)
    seed = validate_seed(seed)
    folder = None if data_dir is None else Path(data_dir)
    settings = RunSettings(seed=seed, timeout=timeout, data_dir=folder, stdin=stdin)
    path = Path(script)
    source, module = _source(path)
    problems = unportable(module)
    if problems:
        raise Unportable(problems)
    if not os.fspath(out):
        raise files.OutputError("--out", out, "is empty; name a folder")
    target = files.check_output_file(Path(out) / f"{path.stem}_tf2.py", option="--out")
    if record is not None:
        files.check_output_folder(record, option="--record")
    lap("rewrite")
    with files.scratch_dir("port") as scratch:
        # The records are compared in memory; written only to be kept (``record``).
        recording = Recording(files=record is not None)
        run, made_records = run_recorded(
            path, scratch / "original", settings, args=args, record=recording
        )
        if run.status != "ok":
            raise ScriptFailed(f"{path.name} {run.status} ({run.kind}): {run.reason}")
        if not made_records:
            raise files.InputError(path, "trains nothing: no Session.run updated a variable")
        lap("original")
        records = dict(enumerate(made_records, start=1))
        graphs = [graph_sites(record, path.name) for record in records.values()]
        lap("read")
        made = rewrite(source, graphs, seed=seed, exact=exact)
        header = {"script": path.name, "version": __version__, "seed": seed, "recording": ""}
        header["args"] = f" -- {' '.join(args)}" if args else ""
        program = HEADER.format(**header, proof="pending") + made.code
        steps = with_lines(made.code, made.steps, HEADER.count("\n"))
        lap("rewrite")
        staging = run_program(path, program, steps, args, settings, scratch)
        lap("program")
        ported, printed = program_records(staging, path, seed)
        lap("read")
        original = (scratch / "original" / "stdout.txt").read_text().splitlines()
        optimizers = {
            graph: optimizer
            for step, optimizer in zip(made.steps, made.optimizers, strict=True)
            for graph in step.graphs
        }
        result = _verdict(path, target, records, ported, optimizers, original, printed)
        lap("verdict")
        proof = "\n#   ".join(textwrap.wrap(result.reason, width=88))
        if record is not None:
            kept = _keep_recording(scratch / "original", record, made.steps, optimizers, stdin)
            result = replace(result, recording=kept)
            program_path = Path(out) / target.name
            header["recording"] = RECORDING_LINE.format(run=record, program=program_path)
        written = HEADER.format(**header, proof=proof) + made.code
        files.write_file(target, written.encode(), option="--out")
    lap("write")
    return result


#: The phases of ``port_script`` as ``timings`` names them: the original run and recorded
#: (``legacy run --record``, its run folder written too), the recordings read (the original's
#: records, then the program's), the source parsed and rewritten, the program run and recorded,
#: the comparison, the program written (and the scratch folder removed).
PHASES = ("original", "read", "rewrite", "program", "verdict", "write")


def _laps(timings: dict[str, float]) -> Callable[[str], None]:
    """A clock: ``lap(phase)`` adds the seconds since the previous lap to ``timings[phase]``."""
    previous = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal previous
        now = time.perf_counter()
        timings[phase] = timings.get(phase, 0.0) + now - previous
        previous = now

    return lap


def _keep_recording(
    run: Path,
    record: str | os.PathLike[str],
    steps: Sequence[TrainStep],
    optimizers: dict[int, tuple[str, bool]],
    stdin: bytes | None,
) -> Path:
    """Publish the original's run folder's recording in ``record`` with ``PORT_FILE``: which
    functions of the program train which graph, through which names, with which optimizer."""
    names = [*KEPT, *files.read_json(run / "run.json")["records"]]
    kept = {name: files.read_bytes(run / name, limit=RECORDING_LIMIT) for name in names}
    port = {
        "steps": [{**step.to_dict(), "line": 0} for step in steps],
        "optimizers": {str(graph): list(optimizer) for graph, optimizer in optimizers.items()},
    }
    kept[PORT_FILE] = json.dumps(port, indent=1).encode()
    if stdin is not None:
        kept[STDIN_FILE] = stdin
    return files.publish(record, kept, option="--record")[0].parent


def _source(path: Path) -> tuple[str, cst.Module]:
    """The script's text and its syntax tree; ``files.InputError`` when it has none."""
    if not path.is_file():
        raise files.InputError(path, "is not a file")
    text = files.read_text(path)
    try:
        return text, cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        first = str(error).strip().splitlines()[0]
        raise files.InputError(path, f"is not Python: {first}") from None


def with_lines(code: str, steps: Sequence[TrainStep], offset: int) -> list[TrainStep]:
    """Each training step with the first line of its definition in the program (after the
    header): its decorator's, as Python's ``co_firstlineno`` counts."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(cst.parse_module(code))
    positions = wrapper.resolve(PositionProvider)
    defs = [
        (node.name.value, positions[node.decorators[0] if node.decorators else node].start.line)
        for node in positions
        if isinstance(node, cst.FunctionDef)
    ]
    defs.sort(key=lambda item: item[1])
    found = []
    for step in steps:
        index = next(i for i, (name, _) in enumerate(defs) if name == step.function)
        found.append(replace(step, line=defs.pop(index)[1] + offset))
    return found


def run_program(
    script: Path,
    program: str,
    steps: list[TrainStep],
    args: Sequence[str],
    settings: RunSettings,
    scratch: Path,
    probe: dict[str, Any] | None = None,
) -> Path:
    """Run the program in its own process under the TF2 recorder, in a working copy of
    ``script``'s folder, its standard input what the original's was (``settings.stdin``);
    return the folder holding its recording and output (``program_records``). With ``probe``
    (see ``tf2_recorder``), it runs one step from a given state and stops there."""
    from tf1repro.legacy.sandbox import make_working_copy

    staging = scratch / ("probe" if probe else "port")
    staging.mkdir()
    copy = make_working_copy(script.parent.resolve(), staging / "work", [scratch])
    path = copy.work / f"{script.stem}_tf2.py"
    path.write_text(program)
    config = {
        "program": str(path),
        "work": str(copy.work),
        "args": list(args),
        "parent": os.getpid(),
        "steps": [step.to_dict() for step in steps],
        "probe": probe,
        "data_dir": None if settings.data_dir is None else str(settings.data_dir.resolve()),
    }
    (staging / "port.json").write_text(json.dumps(config))
    (staging / "stdin.txt").write_bytes(settings.stdin or b"")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": str(settings.seed)}
    env.pop("TF_USE_LEGACY_KERAS", None)
    command = [sys.executable, "-m", "tf1repro.recording.tf2_recorder", str(staging)]
    with (
        open(staging / "stdin.txt", "rb") as stdin,
        open(staging / "stdout.txt", "wb") as stdout,
        open(staging / "stderr.txt", "wb") as err,
    ):
        child = process_group.start(command, stdin=stdin, stdout=stdout, stderr=err, env=env)
        try:
            code = child.wait(settings.timeout)
        except subprocess.TimeoutExpired:
            message = f"the TF2 program ran longer than {settings.timeout:g} s"
            raise ScriptFailed(message) from None
        finally:
            # Whatever happens (Ctrl-C too), nothing the program started outlives the proof.
            process_group.end(child)
    if code != 0:
        lines = (staging / "stderr.txt").read_text(errors="replace").strip().splitlines()
        raise ScriptFailed(f"the TF2 program failed: {lines[-1] if lines else f'exit {code}'}")
    return staging


def program_records(staging: Path, script: Path, seed: int) -> tuple[dict[int, Record], list[str]]:
    """What ``run_program`` recorded in ``staging``: the records by graph, and the output."""
    from tf1repro.recording.reader import records_of

    made = records_of(staging / "recording.json", script.resolve(), seed, {})
    records = {int(record.source["graph"]): record for record in made}
    printed = (staging / "stdout.txt").read_text(errors="replace").splitlines()
    return records, printed


def _verdict(
    script: Path,
    target: Path,
    records: dict[int, Record],
    ported: dict[int, Record],
    optimizers: dict[int, tuple[str, bool]],
    original: list[str],
    printed: list[str],
) -> PortResult:
    """Compare each graph step by step and the printed output number by number."""
    from tf1repro.compare import compare_records

    rows, graphs, firsts = [], [], []
    worst = 0.0
    for number, whole in records.items():
        # The generated program's recorder reads its training steps only: the original's
        # evaluation curves are compared through the printed output.
        record = replace(whole, curve_feeds={}, curves={})
        mine = ported.get(number)
        if mine is None or number not in optimizers:
            raise ScriptFailed(f"the TF2 program did not train graph {number}")
        optimizer, exact = optimizers[number]
        mine = replace(mine, backend="port", versions=record.versions, platform=record.platform)
        problem = record.same_inputs(mine)
        if problem is not None:
            raise ScriptFailed(
                f"graph {number}: {problem} (the port's inputs are not the original's)"
            )
        comparison = compare_records(record, mine)
        tolerance = 0.0 if exact else float("inf")
        status = "exact" if comparison.worst == 0 else ("within" if not exact else "differs")
        sites = graph_sites(record, script.name)
        regrouping = regrouped(comparison, sites) if exact else None
        differing = [d.quantity for d in comparison.deviations if not d.identical]
        if regrouping is not None and all(name in sites.regrouped for name in differing):
            # Only the fetches that hold the sum differ: the named cause is the whole story.
            status, tolerance = "within", comparison.worst
        rows.append(Row(f"{script.name}#{number}", comparison, tolerance))
        if status == "exact":
            why = f"0 ulp over {record.steps} steps"
        elif regrouping is not None:
            why = regrouping
            if status == "differs":
                firsts.append(f"graph {number}: {why}")
        elif status == "within":
            why = f"{optimizer} in place of v1's: {comparison.worst:g} ulps, measured"
        else:
            beyond = [d for d in comparison.deviations if d.ulps > 0]
            d = min(beyond, key=lambda d: (d.first_step or 0, -d.ulps))
            why = f"{d.quantity} first differs at step {d.first_step} ({d.ulps:g} ulps at most)"
            firsts.append(f"graph {number}: {why}")
        graphs.append(
            {
                "graph": number,
                "status": status,
                "worst_ulps": comparison.worst,
                "optimizer": optimizer,
                "reason": why,
            }
        )
        worst = max(worst, comparison.worst)
    tolerance = max(row.tolerance_ulps for row in rows)
    report = Report(tuple(rows), tolerance, dict(next(iter(records.values())).platform))
    printed_first, numbers = printed_difference(original, printed, exact=worst == 0)
    if firsts:
        status, reason = "differs", firsts[0]
    elif printed_first is not None:
        status, reason = "differs", printed_first
    elif all(g["status"] == "exact" for g in graphs):
        steps = sum(record.steps for record in records.values())
        status = "exact"
        reason = (
            f"{len(graphs)} graph(s), {steps} steps: every variable and loss equal to the "
            f"original's (0 ulp), and its {numbers} printed numbers"
        )
    else:
        status = "within"
        reason = "; ".join(f"graph {g['graph']}: {g['reason']}" for g in graphs)
    return PortResult(str(script), target, status, worst, reason, report, tuple(graphs))


def regrouped(comparison: Comparison, sites: GraphSites) -> str | None:
    """Why a graph differs, when what differs first is a recorded fetch that holds a sum
    grappler may regroup otherwise in TF2 (``graph_structure.regrouped``): the op, its line and the
    cause; then the worst of what differs later, which the training step, computing that sum
    too, may explain (``; then ...``). None when anything else differs first."""
    differing = [d for d in comparison.deviations if not d.identical]
    if not differing:
        return None
    first = min(d.first_step or 0 for d in differing)
    starts = [d for d in differing if d.first_step == first]
    if any(d.quantity not in sites.regrouped for d in starts):
        return None
    causes = []
    for d in starts:
        op, line = sites.regrouped[d.quantity]
        where = f"line {line}" if line is not None else "a helper module"
        causes.append(
            f"{d.quantity} {d.ulps:g} ulps at most from step {d.first_step}: grappler regroups "
            f"{op} ({where}), a sum of a variable, a tensor and a constant, by its inputs' node "
            "names, and TF2 names a variable's read otherwise (`<op>/ReadVariableOp`, not "
            "`<variable>/read`)"
        )
    later = [d for d in differing if d not in starts]
    if later:
        worst = max(later, key=lambda d: d.ulps)
        causes.append(
            f"then {worst.quantity} {worst.ulps:g} ulps at most from step {worst.first_step} "
            "(the training step, where TF1's gradient reads the sum's shape, which stops the "
            "regrouping, and TF2's may not)"
        )
    return "; ".join(causes)


def printed_difference(
    original: list[str], printed: list[str], *, exact: bool
) -> tuple[str | None, int]:
    """What differs first between the original's and the program's printed output (None:
    nothing), and how many numbers it holds. The text must always match; the numbers only when
    the training is bit-identical (``exact``): a program within a tolerance prints numbers
    that differ as its steps do."""
    from tf1repro.legacy import diff_logs

    logs = diff_logs(original, printed)
    if logs.text_mismatch is not None:
        return f"printed output: {logs.text_mismatch}", logs.numbers
    if exact and logs.first is not None:
        first = logs.first
        return f"printed output line {first.line}: {first.a} vs {first.b}", logs.numbers
    return None, logs.numbers
