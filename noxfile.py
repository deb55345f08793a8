"""The TensorFlow version matrix: one nox session per release, plus the report.

    nox -s tf-2.12 tf-2.21      # two releases (what CI runs)
    nox -t matrix               # every release 2.12 ... 2.21, then tf-nightly
    nox -s report               # matrix-results/*.json -> docs/compatibility.md

Each session installs one release with tf1repro into a fresh Python 3.11 virtualenv, runs
``tf1repro matrix run`` (the fidelity suite) and writes ``matrix-results/tf-<release>.json``.
A TensorFlow virtualenv takes 1.2 to 2.4 GB, so each session deletes its own when it ends; set
``TF1REPRO_KEEP_VENVS=1`` (with ``nox -r``) to keep and reuse them. tf-nightly is reported but
allowed to fail: its session records the failure and succeeds.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
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

nox.options.sessions = [*(f"tf-{release}" for release in RELEASES), "tf-nightly", "report"]


def _result_path(release: str) -> str:
    return str(RESULTS / f"tf-{release}.json")


def _run_suite(session: nox.Session, release: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    session.run("tf1repro", "matrix", "run", "--release", release, "--out", _result_path(release))


def _dependencies_besides_tensorflow() -> list[str]:
    # tf-nightly brings its own tb-nightly, so TensorBoard goes with TensorFlow.
    with open("pyproject.toml", "rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    return [d for d in dependencies if not d.startswith(("tensorflow", "tensorboard"))]


def _drop_venv(session: nox.Session) -> None:
    if os.environ.get("TF1REPRO_KEEP_VENVS") != "1":
        location = getattr(session.virtualenv, "location", None)
        if location:
            shutil.rmtree(location, ignore_errors=True)


def _release_session(release: str) -> None:
    @nox.session(name=f"tf-{release}", python=PYTHON, tags=["matrix"])
    def matrix(session: nox.Session) -> None:
        try:
            session.install(f"tensorflow=={release}.*", PYTEST, "-e", ".")
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
        session.install("--pre", "tf-nightly", *_dependencies_besides_tensorflow(), PYTEST)
        session.install("--no-deps", "-e", ".")
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


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Render matrix-results/*.json as docs/compatibility.md (needs no TensorFlow)."""
    session.install("numpy")
    session.install("--no-deps", "-e", ".")
    session.run("tf1repro", "matrix", "report", str(RESULTS), "--out", "docs/compatibility.md")
