"""Run one legacy script in a child process and record what happened.

One run, step by step (each step is one function, so that a faster way of starting children can
replace ``_run_child`` alone):

1. ``_stage``: a scratch folder (``tf1repro.files.scratch_dir``, in the temporary folder) holding
   the working copy of the script's folder (``sandbox``), the child's config and what the
   child writes while it runs (logs, figures, its recording);
2. ``_run_child``: the script runs under ``bootstrap.py`` in a fresh interpreter (or one forked
   from a preloaded interpreter, see ``preload``, which behaves the same), in its own
   process group, so that it can neither see nor change this process's state, and a timeout can
   stop it together with anything it started, also what left its group (see "everything a
   script started" below). The child dies with this process (see bootstrap);
3. ``_record``: the outcome is classified and the run folder published as one set
   (``tf1repro.files.publish``): logs, figures, the files the script wrote (``files/``), the
   records and ``run.json``. After a kill at any moment the run folder holds the whole previous
   run or the whole new one. The scratch folder goes: on the way out, by the child's watcher
   when this process is killed, else by the next scratch folder made after a crash.

``cancel_all`` stops every running child (Ctrl-C or SIGTERM of the caller): the runs raise
``Cancelled`` and write nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tf1repro.legacy.data_cache as data_cache
import tf1repro.legacy.preload as preload
from tf1repro import files, process_group
from tf1repro.legacy.child import staging as child_files
from tf1repro.legacy.classify import classify
from tf1repro.legacy.interpreters import BOOTSTRAP
from tf1repro.legacy.sandbox import WorkingCopy, make_working_copy
from tf1repro.legacy.script_run import (
    FILES_FOLDER,
    RECORD_FILE,
    STDERR_FILE,
    STDOUT_FILE,
    TF_LOG_FILE,
    ScriptRun,
)
from tf1repro.legacy.settings import RunSettings, settings_of
from tf1repro.recording.reader import RECORD_PATTERN, records_of

if TYPE_CHECKING:
    from tf1repro.record import Record

#: How long a stopped child gets to dump its stack before the process group is killed.
STACK_GRACE_SECONDS = 3.0
#: The tail of the script's output searched for failures that clients print (git, pip...).
OUTPUT_TAIL_BYTES = 64 * 1024


class Cancelled(Exception):
    """The run was stopped by ``cancel_all``; nothing was written."""


_live: dict[int, subprocess.Popen[bytes] | preload.ForkedChild] = {}
_live_lock = threading.Lock()
_cancelled = threading.Event()


def cancel_all() -> None:
    """Stop every child started by ``run_script`` in this process, and any started later."""
    _cancelled.set()
    # Servers still importing TensorFlow would keep their runs (and the caller) waiting.
    preload.kill_servers()
    with _live_lock:
        for pid in list(_live):
            process_group.kill(pid)


def reset_cancellation() -> None:
    """Let ``run_script`` start children again after ``cancel_all``."""
    _cancelled.clear()


def run_script(
    script: Path,
    out: Path,
    settings: RunSettings | None = None,
    *,
    args: Sequence[str] = (),
    exclude: Sequence[Path] = (),
    **options: Any,
) -> ScriptRun:
    """Run ``script`` with ``args`` in a child interpreter and write its run folder ``out``.

    ``settings`` says how (None: the defaults); ``options``, fields of ``RunSettings``
    (``seed=0, timeout=120``...), change it. ``out`` receives ``run.json`` (a ``ScriptRun``),
    ``stdout.txt``, ``stderr.txt``, ``tensorflow.log``, the ``figure_NN.png`` files and
    ``files/`` (what the script wrote in its working folder), and with ``settings.record`` the
    record of every graph that trained (``record_N.json``). ``exclude`` lists folders inside the
    script's folder that its working copy leaves out (``out`` always is).
    """
    return run_recorded(script, out, settings, args=args, exclude=exclude, **options)[0]


def run_recorded(
    script: Path,
    out: Path,
    settings: RunSettings | None = None,
    *,
    args: Sequence[str] = (),
    exclude: Sequence[Path] = (),
    **options: Any,
) -> tuple[ScriptRun, list[Record]]:
    """``run_script``, and the records of the graphs that trained (with ``settings.record``;
    in the order they first trained), as written in the run folder, or kept in memory only
    when the recording says so (``Recording(files=False)``)."""
    settings = settings_of(settings, options)
    if _cancelled.is_set():
        raise Cancelled(str(script))
    script = script.resolve()
    # The child runs in its working copy: a relative ``out`` would point somewhere else there.
    out = Path(os.path.abspath(out))
    check_run_folder(out)
    cache = (
        None
        if settings.data_cache is None
        else data_cache.open_cache(settings.data_cache, settings.fetch)
    )
    become_subreaper()
    with files.scratch_dir("legacy") as staging, _serving(cache, staging) as service:
        # The scratch folder is left out too, for a script that sits in the temporary folder.
        copy = _stage(script, staging, [out, staging, *exclude])
        config = {
            "seed": settings.seed,
            "work": str(copy.work),
            "origin": str(script.parent),
            "script": script.name,
            "args": list(args),
            "compat": not settings.strict,
            "data_dir": None if settings.data_dir is None else str(settings.data_dir.resolve()),
            "soft_placement": settings.soft_placement,
            "stdin": settings.stdin is not None,
            "parent": os.getpid(),
            "record": None if settings.record is None else settings.record.to_child(),
            "data_cache": None
            if service is None
            else {"socket": service.address, "folder": str(service.cache.folder)},
        }
        if settings.stdin is not None:
            (staging / child_files.STDIN_FILE).write_bytes(settings.stdin)
        command = [settings.python or sys.executable, str(BOOTSTRAP), str(staging)]
        exit_code, timed_out, seconds = _run_child(
            command, staging, config, _child_environment(settings.seed, staging), settings.timeout
        )
        if _cancelled.is_set():
            raise Cancelled(str(script))
        return _record(
            script, out, staging, copy, settings, args, (exit_code, timed_out, seconds), service
        )


@contextlib.contextmanager
def _serving(
    cache: data_cache.DataCache | None, staging: Path
) -> Iterator[data_cache.Service | None]:
    """The data cache's service for one run (None without a cache)."""
    if cache is None:
        yield None
        return
    with data_cache.serving(cache, staging) as service:
        yield service


#: The files every run folder holds, checked before any work (figures, files/ and records vary).
RUN_FILES = (STDOUT_FILE, STDERR_FILE, TF_LOG_FILE, RECORD_FILE)


def check_run_folder(out: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check, before any work, that a run can be published into ``out``; return it absolute.

    Refused with an ``files.OutputError`` naming ``option``: anything ``files.check_output_folder``
    refuses (a link, a file, a folder holding a sub-folder that is not a previous run's...).
    """
    return files.check_output_folder(out, option=option, names=RUN_FILES)


def _stage(script: Path, staging: Path, exclude: Sequence[Path]) -> WorkingCopy:
    """The working copy of the script's folder, without the run folders (and the scratch folder)
    that sit inside it."""
    folder = script.parent
    left_out = []
    for path in exclude:
        try:
            inside = path.resolve().relative_to(folder)
        except ValueError:
            continue
        if inside.parts:
            left_out.append(folder / inside.parts[0])
    (staging / "tmp").mkdir()
    return make_working_copy(folder, staging / "work", left_out)


def _run_child(
    command: list[str],
    staging: Path,
    config: dict[str, Any],
    env: dict[str, str],
    timeout: float,
) -> tuple[int | None, bool, float]:
    """Run the child with fd 1 and 2 on files; return (exit code, timed out, seconds).

    The child holds the read end of a pipe that only this process writes to: when this process
    dies, the pipe reads EOF and the child's watcher ends the run (see bootstrap).
    """
    watch, keep = os.pipe()
    try:
        (staging / child_files.CONFIG_FILE).write_text(json.dumps({**config, "pipe": watch}))
        with (
            open(staging / STDOUT_FILE, "wb") as stdout,
            open(staging / TF_LOG_FILE, "ab") as stderr,
        ):
            start = time.monotonic()
            # Forked from a preloaded interpreter when that is on and safe (see preload); the
            # first run may wait for it to import TensorFlow, so not under the lock.
            child: subprocess.Popen[bytes] | preload.ForkedChild | None = preload.start(
                command, config, env, (stdout.fileno(), stderr.fileno(), watch)
            )
            with _live_lock:
                if _cancelled.is_set():
                    if child is not None:
                        process_group.end(child)
                    raise Cancelled(command[-1])
                if child is None:
                    child = process_group.start(
                        command, stdout=stdout, stderr=stderr, env=env, pass_fds=(watch,)
                    )
                _live[child.pid] = child
            os.close(watch)
            watch = -1
            try:
                code: int | None = child.wait(timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                _dump_stack(child, staging / child_files.STACK_FILE)
                code, timed_out = None, True
            finally:
                # Whatever the script left running goes with it, the watcher too, before the
                # pipe closes (the watcher would take that for this process's death): its
                # group, and what left the group (setsid) but carries the run's marker.
                started = _run_processes(child.pid, env["TMPDIR"])
                process_group.end(child)
                _kill_all(started, child.pid, env["TMPDIR"])
                with _live_lock:
                    _live.pop(child.pid, None)
            return code, timed_out, time.monotonic() - start
    finally:
        for fd in (watch, keep):
            if fd >= 0:
                os.close(fd)


# -- everything a script started ---------------------------------------------------------------
#
# A script's process group is not enough: a child that calls setsid() (a daemon, a server the
# script starts) leaves it, and outlives the timeout and the runner. On Linux the runner is
# therefore a child subreaper: an orphan of a script is re-parented to it, not to init, so it
# stays below the runner, and the runner reaps it once killed (no zombies). Which run an escaped
# process belongs to (several scripts run at once) is told by the run's marker: the ``TMPDIR``
# of its private scratch folder, which every process the script starts inherits (a fork from a
# preloaded server sets it too). When a run ends, the runner kills the script's group, every
# process below the script, and every process carrying the marker, until none is left. A cgroup
# would also hold processes that clear their environment, but needs privileges or systemd.

#: linux/prctl.h
PR_SET_CHILD_SUBREAPER = 36
#: How long killed processes get to disappear before a run's end goes on regardless.
KILL_WAIT_SECONDS = 2.0


def become_subreaper() -> None:
    """Make orphans of the scripts' processes this process's children, not init's (Linux)."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _processes() -> dict[int, int]:
    """Every process the kernel shows, with its parent (Linux ``/proc``; empty elsewhere)."""
    parents = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    # pid (comm) state ppid ...: comm may hold spaces and parentheses.
                    fields = stat.read().rpartition(b")")[2].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    return parents


def _carries(pid: int, marker: bytes) -> bool:
    """Whether process ``pid``'s environment holds ``marker`` (one ``NAME=value`` entry)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return marker in environ.read().split(b"\0")
    except OSError:
        return False


def _run_processes(root: int, tmpdir: str) -> set[int]:
    """The processes of the run whose script is ``root``: below it, or carrying its marker."""
    parents = _processes()
    marker = f"TMPDIR={tmpdir}".encode()
    found = {pid for pid in parents if pid != root and _carries(pid, marker)}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    found.discard(os.getpid())
    return found


def _kill_all(started: set[int], root: int, tmpdir: str) -> None:
    """Kill ``started`` and whatever of the run is still alive, until nothing is; reap those
    that were re-parented to this process."""
    killed: set[int] = set()
    victims = set(started)
    while victims:
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed |= victims
        # A process may have forked between the scan and the kill: scan again.
        victims = _run_processes(root, tmpdir) - killed
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    waiting = set(killed)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not this process's child: its parent reaps it
                done = pid if not _alive(pid) else 0
            if done:
                waiting.discard(pid)
        if waiting:
            time.sleep(0.01)


def _alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False


def _dump_stack(child: subprocess.Popen[bytes] | preload.ForkedChild, stack: Path) -> None:
    """Ask the child for its stack (SIGUSR1, see bootstrap) and wait until it is written."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.pid, signal.SIGUSR1)
    deadline = time.monotonic() + STACK_GRACE_SECONDS
    size = 0
    while time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
        # The dump is many small writes: done once it has stopped growing.
        previous, size = size, stack.stat().st_size if stack.is_file() else 0
        if size > 0 and size == previous:
            return


def _record(
    script: Path,
    out: Path,
    staging: Path,
    copy: WorkingCopy,
    settings: RunSettings,
    args: Sequence[str],
    ended: tuple[int | None, bool, float],
    service: data_cache.Service | None,
) -> tuple[ScriptRun, list[Record]]:
    """Classify the run and write its folder in one step; ``ended`` is (exit code, timed out,
    seconds); ``service`` what the data cache served and refused. Returns the run and its
    records (see ``run_recorded``)."""
    exit_code, timed_out, seconds = ended
    info = _read_info(staging)
    versions = info.get("versions", {})
    recording = staging / child_files.RECORDING_FILE
    records = (
        [] if settings.record is None else records_of(recording, script, settings.seed, versions)
    )
    written_records = records if settings.record is not None and settings.record.files else []
    record_files = [RECORD_PATTERN.format(n) for n in range(1, len(written_records) + 1)]
    # Programs the script starts (git, curl...) write their errors to fd 2, the TensorFlow log.
    printed = "".join(_tail(staging / name) for name in (STDOUT_FILE, STDERR_FILE, TF_LOG_FILE))
    outcome = classify(
        exit_code=exit_code,
        exception=info.get("exception"),
        timed_out=timed_out,
        timeout=settings.timeout,
        stack=_read_text(staging / child_files.STACK_FILE),
        folder=str(copy.work),
        output=printed,
        source=_read_text(script),
        refused=None
        if service is None or not service.refused
        else (service.refused[0].kind, service.refused[0].reason),
        tensorflow=versions.get("tensorflow", ""),
    )
    figures = [name for name in info.get("figures", []) if (staging / name).is_file()]
    written = copy.written()
    run = ScriptRun(
        script=str(script),
        args=list(args),
        seed=settings.seed,
        timeout=settings.timeout,
        status=outcome.status,
        kind=outcome.kind,
        reason=outcome.reason,
        line=outcome.line,
        exit_code=exit_code,
        seconds=round(seconds, 3),
        figures=figures,
        versions=versions,
        file=outcome.file,
        files=written,
        compat=info.get("compat", {}),
        substitutions=info.get("substitutions", []),
        records=record_files,
        downloads=[] if service is None else service.downloads(),
    )
    outputs = {
        name: (staging / name).read_bytes()
        for name in (STDOUT_FILE, STDERR_FILE, TF_LOG_FILE, *figures)
        if (staging / name).is_file()
    }
    for relative in written:
        outputs[f"{FILES_FOLDER}/{relative}"] = (copy.work / relative).read_bytes()
    for name, made in zip(record_files, written_records, strict=True):
        outputs[name] = made.to_json().encode()
    outputs[RECORD_FILE] = run.to_json().encode()
    # One set: figures, files and records of an earlier run into this folder go with it.
    files.publish(out, outputs, option="--out")
    return run, records


def _child_environment(seed: int | None, staging: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    # Temporary files the script makes go with the staging folder.
    env["TMPDIR"] = str(staging / "tmp")
    if seed is not None:
        # Set and dict-of-str iteration order then repeats from run to run as well.
        env["PYTHONHASHSEED"] = str(seed)
    return env


def _read_info(staging: Path) -> dict[str, Any]:
    try:
        info: dict[str, Any] = json.loads((staging / child_files.INFO_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return info


def _read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, path.stat().st_size - OUTPUT_TAIL_BYTES))
            return file.read().decode(errors="replace")
    except OSError:
        return ""
