"""The TensorFlow version matrix: one nox session per release, plus the report.

    nox -s tf-2.12 tf-2.21      # two releases (what CI runs)
    nox -t matrix               # every release 2.12 ... 2.21, then tf-nightly
    nox -s all-releases         # the same, two sessions at a time (-- JOBS for another number)
    nox -s report               # matrix-results/*.json, plus the notes -> docs/compatibility.md
    nox -s legacy-matrix -- DIR 2.12 2.21   # your TF1 scripts in DIR on these releases
    nox -s legacy-shard -- DIR 2.21 2/4     # shard 2 of 4 of DIR on 2.21 (one CI job)

Each session installs one release with tf1repro into a fresh Python 3.11 virtualenv and runs
``python -m tools.matrix run --both-kernel-paths`` from the checkout (the fidelity suite on
TensorFlow's default CPU kernels and, side by side, the kernel-dependent checks with oneDNN off),
which writes ``matrix-results/tf-<release>.json`` and ``tf-<release>-onednn-off.json``. A
session deletes its virtualenv when it ends; set ``TF1REPRO_KEEP_VENVS=1`` (with ``nox -r``) to
keep and reuse them. tf-nightly is reported but allowed to fail: its session records the failure
and succeeds.

Virtualenvs are made by ``uv`` when it is installed (the test extra has it), else by
virtualenv and pip. uv keeps every wheel it has unpacked in one local cache and links the
files into each new virtualenv, so only the first environment of a release downloads
TensorFlow, and the packages every release shares (NumPy, matplotlib, pytest...) are unpacked
once for all. tf1repro itself goes in as a wheel, not editable: the package users install,
built from its sdist once per state of the source (``.nox/tf1repro-wheels/<digest>/``) and
installed by every session until the source changes, in the same resolution as TensorFlow.
The release matrix (tools/matrix) and the suite it runs (tests/) are the checkout's own and not
in the wheel: they run from the checkout, the sessions' working directory, against the
installed tf1repro (see ``tools.installed_tf1repro_first``).

A session keeps two cores busy (its two kernel paths). Sessions are independent (each writes
only its own result files), so on a machine with more cores several can run side by side in
separate shells where memory allows (about 1.5 GB per running suite):

    nox -s tf-2.20 & nox -s tf-2.21 & wait; nox -s report
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nox

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: nox itself depends on tomli there
    import tomli as tomllib

RELEASES = ("2.12", "2.13", "2.14", "2.15", "2.16", "2.17", "2.18", "2.19", "2.20", "2.21")
PYTHON = "3.11"  # every release from 2.12 on has wheels for it; nothing older does
RESULTS = Path("matrix-results")
PYTEST = "pytest>=7.4"
#: One folder per state of the source, holding the wheel built from it.
WHEELS = Path(".nox") / "tf1repro-wheels"
#: What goes into the wheel: the project's metadata (the README is its long description) and
#: every file of the package.
SOURCES = (Path("pyproject.toml"), Path("README.md"), Path("tf1repro"))

nox.options.sessions = [*(f"tf-{release}" for release in RELEASES), "tf-nightly", "report"]
# uv when it is on PATH, otherwise virtualenv: the same sessions either way.
nox.options.default_venv_backend = "uv|virtualenv"


def _result_path(release: str) -> str:
    return str(RESULTS / f"tf-{release}.json")


def _run_suite(session: nox.Session, release: str) -> None:
    """The suite on both CPU kernel paths, side by side: TensorFlow's default (oneDNN on x86-64
    Linux) and Eigen's kernels alone (``TF_ENABLE_ONEDNN_OPTS=0``, a common setting), as
    ``<release>`` and ``<release>-onednn-off`` (see tf1repro.kernel_path and
    tools.matrix.side_by_side). Both always run and leave their result file."""
    RESULTS.mkdir(exist_ok=True)
    session.run(
        "python", "-m", "tools.matrix", "run", "--both-kernel-paths",
        "--release", release, "--out", _result_path(release),
    )  # fmt: skip


def _dependencies_besides_tensorflow() -> list[str]:
    # tf-nightly brings its own tb-nightly, so TensorBoard goes with TensorFlow.
    with open("pyproject.toml", "rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    return [d for d in dependencies if not d.startswith(("tensorflow", "tensorboard"))]


def _source_digest() -> str:
    """A digest of every file the wheel is made from (names and contents)."""
    digest = hashlib.sha256()
    for source in SOURCES:
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                data = path.read_bytes()
                digest.update(f"{path.as_posix()}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()[:16]


def _tf1repro_wheel(session: nox.Session) -> str:
    """tf1repro's wheel for the source as it is now, built the first time a session asks.

    uv builds it from the sdist, as a package index would serve it (pip, without uv, from the
    tree). Sessions running side by side may both build it; the first to finish keeps it.
    """
    folder = WHEELS / _source_digest()
    if not any(folder.glob("*.whl")):
        WHEELS.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="building-", dir=WHEELS))
        try:
            # run_install: part of the install, so it runs with --install-only too.
            if session.venv_backend == "uv":
                session.run_install("uv", "build", "--quiet", "--out-dir", str(staging), ".")
            else:
                session.run_install(
                    "python", "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(staging), "."
                )
            # Fails when another session has put its (identical) wheel there first.
            os.rename(staging, folder)
        except OSError:
            pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    # No wheel only when nox skipped the build (--no-install on a reused virtualenv), and then
    # it skips the install the wheel was for too.
    wheels = sorted(folder.glob("*.whl"))
    return str(wheels[0]) if wheels else str(folder)


def _compiled(session: nox.Session) -> list[str]:
    """Install options that write each module's bytecode (``.pyc``) at install time, where
    Python will not write it on import (``PYTHONDONTWRITEBYTECODE``, common in CI and
    container images).

    pip compiles at install by default, uv only when asked. Without bytecode, every fresh
    process of the suite compiles TensorFlow's Python again: measured on TF 2.21, 12-17 s per
    ``import tensorflow`` instead of about 5 s. Compiling everything at install adds about 11 s
    to the virtualenv; where Python writes bytecode on import, the first import pays for the
    modules it loads instead, and the virtualenv is ready sooner.
    """
    if session.venv_backend != "uv" or not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return []
    return ["--compile-bytecode"]


def _drop_venv(session: nox.Session) -> None:
    if os.environ.get("TF1REPRO_KEEP_VENVS") != "1":
        location = getattr(session.virtualenv, "location", None)
        if location:
            shutil.rmtree(location, ignore_errors=True)


def _release_session(release: str) -> None:
    @nox.session(name=f"tf-{release}", python=PYTHON, tags=["matrix"])
    def matrix(session: nox.Session) -> None:
        try:
            # One resolution: the release, pytest, and tf1repro's wheel with its dependencies.
            session.install(
                *_compiled(session), f"tensorflow=={release}.*", PYTEST, _tf1repro_wheel(session)
            )
            _run_suite(session, release)
        finally:
            _drop_venv(session)

    matrix.__doc__ = f"Fidelity suite on TensorFlow {release}."


for _release in RELEASES:
    _release_session(_release)


@nox.session(name="tf-nightly", python=PYTHON, tags=["matrix"])
def nightly(session: nox.Session) -> None:
    """Fidelity suite on tf-nightly: reported, allowed to fail."""
    try:
        # tf-nightly is not "tensorflow": install tf1repro without its dependencies, or pip
        # would add a released TensorFlow next to the nightly one.
        session.install(
            *_compiled(session), "--pre", "tf-nightly", *_dependencies_besides_tensorflow(), PYTEST
        )
        session.install(*_compiled(session), "--no-deps", _tf1repro_wheel(session))
    except nox.command.CommandFailed as error:
        RESULTS.mkdir(exist_ok=True)
        record = {
            "format": "tf1repro.matrix/1",
            "release": "nightly",
            "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
            "outcome": "install failed",
            "error": str(error.reason or "pip install --pre tf-nightly failed"),
        }
        Path(_result_path("nightly")).write_text(json.dumps(record, indent=1) + "\n")
        session.warn("tf-nightly did not install; recorded as 'install failed'")
        _drop_venv(session)
        return
    try:
        _run_suite(session, "nightly")
    except nox.command.CommandFailed:
        session.warn("tf-nightly failed checks (allowed); see its result file")
    finally:
        _drop_venv(session)


#: How long a stopped job may take to end its sessions (each stops its suites) before its
#: process group is killed.
_JOB_GRACE_SECONDS = 30
#: How a job starts nox (this interpreter's).
_NOX = [sys.executable, "-m", "nox"]


@nox.session(name="all-releases", python=False)
def all_releases(session: nox.Session) -> None:
    """Every release session and tf-nightly, JOBS at a time: ``nox -s all-releases [-- JOBS]``.

    Each session runs as ``nox -s tf-<release>`` in a child process, its output in
    ``.nox/all-releases/tf-<release>.log``, printed when it ends; the next session starts as
    soon as one ends. While one session builds its virtualenv or finishes its longer kernel
    path alone, another keeps the cores busy. JOBS defaults to 2 (a session runs two suites
    at once, about 3 GB); Ctrl-C or SIGTERM stops every running session.
    """
    jobs = int(session.posargs[0]) if session.posargs else 2
    if not 1 <= jobs <= 16:
        session.error(f"JOBS must be 1 to 16; got {jobs}")
    waiting = [*(f"tf-{release}" for release in RELEASES), "tf-nightly"]
    folder = Path(".nox") / "all-releases"
    folder.mkdir(parents=True, exist_ok=True)
    running: dict[str, subprocess.Popen[bytes]] = {}
    failed = []
    previous = signal.signal(signal.SIGTERM, _stop_jobs)
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                name = waiting.pop(0)
                with open(folder / f"{name}.log", "wb") as output:
                    running[name] = subprocess.Popen(
                        [*_NOX, "-s", name],
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
            for name, child in list(running.items()):
                if child.poll() is not None:
                    del running[name]
                    log = folder / f"{name}.log"
                    print(f"\n===== {name} (exit {child.returncode}, {log}) =====", flush=True)
                    sys.stdout.buffer.write(log.read_bytes())
                    sys.stdout.flush()
                    if child.returncode != 0:
                        failed.append(name)
            time.sleep(0.2)
    finally:
        signal.signal(signal.SIGTERM, previous)
        _end_jobs(list(running.values()))
    if failed:
        session.error(f"sessions failed: {', '.join(failed)}")


def _stop_jobs(signum: int, frame: object) -> None:
    # SIGTERM unwinds the session like Ctrl-C, so that its jobs are stopped too.
    raise KeyboardInterrupt


def _end_jobs(children: list[subprocess.Popen[bytes]]) -> None:
    """Ctrl-C for every job still running (nox stops its session, which stops its suites),
    then, after a grace period, its whole process group goes."""
    running = [child for child in children if child.poll() is None]
    for child in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGINT)
    for child in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(_JOB_GRACE_SECONDS)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Render matrix-results/*.json as docs/compatibility.md (needs no TensorFlow)."""
    session.install("numpy")
    session.install("--no-deps", _tf1repro_wheel(session))
    session.run(
        "python",
        "-m",
        "tools.matrix",
        "report",
        str(RESULTS),
        "--out",
        "docs/compatibility.md",
        "--notes",
        "docs/compatibility-notes.md",
    )


@nox.session(name="legacy-matrix", python=PYTHON)
def legacy_matrix(session: nox.Session) -> None:
    """A folder of TF1 scripts on several releases: ``nox -s legacy-matrix -- DIR 2.12 2.21``.

    ``tf1repro legacy matrix --tensorflow 2.12,2.21``, which makes one virtualenv per release
    the first time (in its environment cache, see tf1repro.legacy.environments) and reuses it;
    the first release is the reference.
    """
    if len(session.posargs) < 3:
        session.error("usage: nox -s legacy-matrix -- DIR RELEASE RELEASE [RELEASE...]")
    folder, *releases = session.posargs
    session.install("-e", ".[legacy]")
    session.run(
        "tf1repro", "legacy", "matrix", folder, "--tensorflow", ",".join(releases),
        "--out", "legacy-matrix",
    )  # fmt: skip


def _legacy_packages(release: str) -> list[str]:
    """One release with the legacy stand-ins' packages: what ``--tensorflow`` installs."""
    # The checkout's own list (tf1repro.legacy.environments imports only the standard library).
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from tf1repro.legacy.environments import Release
    finally:
        sys.path.pop(0)
    return Release(release).packages()


@nox.session(name="legacy-shard", python=PYTHON)
def legacy_shard(session: nox.Session) -> None:
    """One shard of a folder on one release: ``nox -s legacy-shard -- DIR RELEASE I/N [OPTS]``.

    Runs ``tf1repro legacy check DIR --seed 0 --shard I/N`` (OPTS are more check options, e.g.
    ``--timeout 60``) and writes legacy-results/tf-RELEASE-shard-I-of-N.json; ``tf1repro legacy
    merge legacy-results`` puts the shards of every release back into one table. Scripts that
    fail do not fail the session: the merge reports them.
    """
    if len(session.posargs) < 3:
        session.error("usage: nox -s legacy-shard -- DIR RELEASE I/N [CHECK OPTIONS]")
    folder, release, shard, *extra = session.posargs
    name = f"tf-{release}-shard-{shard.replace('/', '-of-')}"
    # pooch: the workflow's shards serve their downloads from a pinned --data-cache.
    session.install(
        *_compiled(session), *_legacy_packages(release), "pooch", _tf1repro_wheel(session)
    )
    session.run(
        "tf1repro", "legacy", "check", folder, "--seed", "0", "--shard", shard,
        "--release", release, "--out", f"legacy-runs/{name}",
        "--result", f"legacy-results/{name}.json", *extra,
        success_codes=[0, 1],
    )  # fmt: skip
