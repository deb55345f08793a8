"""Virtualenvs holding one TensorFlow release each, made once by uv and kept: what
``--tensorflow 2.15`` runs scripts in.

A script's child is ``python bootstrap.py STAGING`` (see ``runner``), and bootstrap, the
stand-ins and the recorder use only the standard library and what the script itself imports,
so any interpreter with TensorFlow can run it: nothing of tf1repro is installed there. An
environment holds TensorFlow, the packages of the ``legacy`` extra (tf-keras of the same
release where Keras 3 is TensorFlow's default, tf-slim, scikit-learn) and matplotlib.

Where they live: ``cache_dir`` (``--env-cache``, else ``$TF1REPRO_ENV_CACHE``, else
``$XDG_CACHE_HOME/tf1repro/envs``, else ``~/.cache/tf1repro/envs``), one folder per release,
Python and package set (``tf-2.15-py3.11-<digest>``). How one is made, so that it is either
whole or absent:

* under an exclusive lock on the cache folder, so that two runs asking for the same release at
  once make it once: the second waits, then uses the first one's (environments are made one
  at a time; a finished one is used without waiting);
* in a staging folder beside it (``.<name>.tf1repro-stage-<pid>-<random>``), published by one
  rename once TensorFlow is installed and a marker file written: a Ctrl-C, SIGTERM or kill
  during the install leaves no half environment under the final name, and the next run
  removes a dead process's staging folder (``files.leftovers``);
* ``uv venv --relocatable`` (entry points find their interpreter relative to themselves, so the
  rename does not break them), ``uv pip install --compile-bytecode`` (every fresh child would
  otherwise compile TensorFlow's Python where bytecode is not written on import).

uv links the files of its own wheel cache into each environment (hard links on one file
system), so a second environment with the same wheels costs little disk, and only the first
environment of a release downloads it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tf1repro import files
from tf1repro.files import leftovers

#: ``2.15`` (the newest patch release of 2.15) or ``2.15.1``: TensorFlow 2 releases only, whose
#: ``tf.compat.v1`` the runner relies on.
_RELEASE = re.compile(r"2\.(0|[1-9]\d{0,2})(?:\.(0|[1-9]\d{0,2}))?")
#: What ``--tensorflow`` allows, in the option's words.
RELEASE_ALLOWED = "a TensorFlow 2 release, MAJOR.MINOR or MAJOR.MINOR.PATCH (e.g. 2.15 or 2.15.1)"
#: The first release whose ``tf.keras`` is Keras 3: Keras 2 (tf-keras) is installed beside it.
KERAS3_RELEASE = (2, 16)
#: What every environment holds besides TensorFlow (and tf-keras): the ``legacy`` extra's other
#: packages that the script's process imports (not uv or pooch, which tf1repro's side uses;
#: tests/test_environments.py checks them against pyproject.toml) and matplotlib,
#: which tf1repro itself depends on and whose figures the runner saves.
EXTRA_PACKAGES = ("tf-slim>=1.1", "scikit-learn>=1.2", "matplotlib>=3.6")
#: Written last into a finished environment; its absence means the folder is not one.
MARKER = "tf1repro-env.json"
MARKER_FORMAT = "tf1repro.env/1"
#: Where the cache is when neither ``--env-cache`` nor this variable says.
CACHE_VARIABLE = "TF1REPRO_ENV_CACHE"
#: The longest an install may take: TensorFlow's wheels are ~600 MB, on a slow link.
INSTALL_TIMEOUT = 3600.0


class ReleaseError(ValueError):
    """A ``--tensorflow`` release that is not one, or that could not be installed."""


@dataclass(frozen=True)
class Release:
    """A TensorFlow release as ``--tensorflow`` names it: ``2.15`` or ``2.15.1``."""

    text: str

    def __post_init__(self) -> None:
        if not _RELEASE.fullmatch(self.text):
            raise ReleaseError(f"must be {RELEASE_ALLOWED}; got {self.text!r}")

    @property
    def minor(self) -> tuple[int, int]:
        major, minor = self.text.split(".")[:2]
        return int(major), int(minor)

    @property
    def requirement(self) -> str:
        """The pip requirement: every patch release of ``2.15``, or exactly ``2.15.1``."""
        return f"tensorflow=={self.text}" + (".*" if self.text.count(".") == 1 else "")

    def packages(self) -> list[str]:
        """What its environment installs, in one resolution."""
        major, minor = self.minor
        keras = [f"tf-keras=={major}.{minor}.*"] if self.minor >= KERAS3_RELEASE else []
        return [self.requirement, *keras, *EXTRA_PACKAGES]


def parse_releases(text: str) -> list[Release]:
    """A comma list of releases (``2.15`` or ``2.15,2.21``), checked without the network;
    a release given twice is refused."""
    found = [Release(part.strip()) for part in text.split(",")]
    names = [release.text for release in found]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ReleaseError(f"gives {twice[0]} twice")
    return found


def cache_dir(given: str | None = None) -> Path:
    """Where environments are kept: ``given`` (``--env-cache``), else ``$TF1REPRO_ENV_CACHE``,
    else ``$XDG_CACHE_HOME/tf1repro/envs``, else ``~/.cache/tf1repro/envs``."""
    if given is not None:
        return Path(given)
    variable = os.environ.get(CACHE_VARIABLE)
    if variable:
        return Path(variable)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "tf1repro" / "envs"


#: Makes an environment: ``installer(folder, python, packages)`` creates a virtualenv at
#: ``folder`` (which does not exist yet) from the interpreter ``python`` and installs
#: ``packages`` into it; raises ``ReleaseError`` when they cannot be installed.
Installer = Callable[[Path, str, Sequence[str]], None]


@dataclass(frozen=True)
class Environment:
    """A finished environment: its folder, interpreter and what it installed."""

    folder: Path
    release: Release
    versions: dict[str, str]
    """Python, TensorFlow, NumPy and tf-keras versions, read when it was made."""
    created: bool
    """Made by this call (False: it was in the cache)."""

    @property
    def python(self) -> str:
        return str(self.folder / "bin" / "python")


def environment(
    release: Release,
    cache: Path,
    *,
    python: str | None = None,
    installer: Installer | None = None,
    notify: Callable[[str], None] | None = None,
) -> Environment:
    """The environment of ``release`` in ``cache``, made first if it is not there.

    ``python``: the interpreter it is made from (default: this one); ``installer``: how (default
    ``uv_install``); ``notify(line)``: told before a wait or an install (which take a while).
    Raises ``ReleaseError``, its message starting with the release, when it cannot be made
    (the release does not install on this Python and platform, uv is missing, the cache
    cannot be written).
    """
    try:
        return _environment(release, cache, python or sys.executable, installer, notify)
    except ReleaseError as error:
        raise ReleaseError(f"{release.text} {error}") from None


def _environment(
    release: Release,
    cache: Path,
    python: str,
    installer: Installer | None,
    notify: Callable[[str], None] | None,
) -> Environment:
    packages = release.packages()
    target = cache / folder_name(release, python, packages)
    if _finished(target):
        return _load(target, release)
    made = _make_folders(cache)
    try:
        with _locked(cache, notify, release):
            if _finished(target):
                return _load(target, release)
            if os.path.lexists(target):
                raise ReleaseError(f"cannot use {str(target)!r}: it has no {MARKER}; delete it")
            leftovers.sweep(cache)
            staging = leftovers.beside(target, "stage", leftovers.new_token())
            try:
                if notify is not None:
                    notify(f"installing TensorFlow {release.text} into {target} (once)")
                (installer or uv_install)(staging, python, packages)
                versions = _versions(staging / "bin" / "python", release)
                marker = {"format": MARKER_FORMAT, "packages": packages, "versions": versions}
                data = files.dumps_json(marker).encode()
                files.write_file(staging / MARKER, data, option="--env-cache")
                os.rename(staging, target)
            finally:
                leftovers.remove(staging)
    except BaseException:
        # Nothing was published: the folders this call made go too, unless another run has
        # put something there meanwhile (rmdir leaves a folder that is not empty).
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return Environment(target, release, versions, created=True)


def _make_folders(cache: Path) -> list[Path]:
    """Make ``cache`` and its missing parents; return those made, outermost first."""
    missing = [folder for folder in (cache, *cache.parents) if not os.path.lexists(folder)]
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReleaseError(f"cannot be kept in {str(cache)!r}: {error}") from None
    return missing[::-1]


def folder_name(release: Release, python: str, packages: Sequence[str]) -> str:
    """``tf-<release>-py<X.Y>-<digest>``: the digest covers the base interpreter (an
    environment links to it) and the package set, so that a change of either makes another."""
    version = _python_version(python)
    identity = json.dumps([MARKER_FORMAT, os.path.realpath(python), version, list(packages)])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
    short = ".".join(version.split(".")[:2])
    return f"tf-{release.text}-py{short}-{digest}"


def _python_version(python: str) -> str:
    if python == sys.executable:
        return platform.python_version()
    result = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise ReleaseError(f"needs a Python: {python!r} does not run")
    return result.stdout.strip()


def _finished(folder: Path) -> bool:
    return (folder / MARKER).is_file() and (folder / "bin" / "python").exists()


def _load(folder: Path, release: Release) -> Environment:
    fields = files.Fields(files.read_json(folder / MARKER), folder / MARKER)
    versions = fields.data.get("versions")
    if not isinstance(versions, dict):
        raise files.InputError(folder / MARKER, "not an environment marker: no versions")
    return Environment(folder, release, {str(k): str(v) for k, v in versions.items()}, False)


def _versions(python: Path, release: Release) -> dict[str, str]:
    """The versions installed (read by bootstrap, without importing TensorFlow); the release
    must be the one asked for."""
    from tf1repro.legacy.interpreters import interpreter_versions

    try:
        versions = interpreter_versions(str(python))
    except OSError as error:
        raise ReleaseError(f"installed, but its Python does not run: {error}") from None
    installed = versions.get("tensorflow", "")
    if installed != release.text and not installed.startswith(f"{release.text}."):
        raise ReleaseError(f"installed TensorFlow {installed or 'nothing'}")
    return versions


@contextlib.contextmanager
def _locked(cache: Path, notify: Callable[[str], None] | None, release: Release) -> Iterator[None]:
    """Environments are made one at a time (a lock on the folder ``cache`` itself); tell
    ``notify`` when waiting for another run."""

    def waiting() -> None:
        if notify is not None:
            notify(f"waiting for another run making an environment in {cache}")

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(files.locked_folder(cache, waiting))
        except OSError as error:
            raise ReleaseError(f"cannot be kept in {str(cache)!r}: {error}") from None
        yield


def find_uv() -> str:
    """The uv executable: the ``uv`` package's (the ``legacy`` extra), else ``uv`` on PATH."""
    with contextlib.suppress(ImportError, FileNotFoundError):
        from uv import find_uv_bin

        return str(find_uv_bin())
    found = shutil.which("uv")
    if found is None:
        raise ReleaseError("needs uv to make its environment: pip install uv (or tf1repro[legacy])")
    return found


def uv_install(folder: Path, python: str, packages: Sequence[str]) -> None:
    """The default ``Installer``: ``uv venv`` then ``uv pip install`` (see the module's
    docstring)."""
    uv = find_uv()
    version = ".".join(_python_version(python).split(".")[:2])
    _run_uv([uv, "venv", "--quiet", "--relocatable", "--python", python, str(folder)], version)
    _run_uv(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--python",
            str(folder / "bin" / "python"),
            *packages,
        ],
        version,
    )


def _run_uv(command: list[str], python: str) -> None:
    """Run uv in its own process group (its errors name ``python``, the version installed
    for). On Ctrl-C or SIGTERM (``KeyboardInterrupt`` under ``signals.interruptible``) it is
    killed with what it started before the exception goes on."""
    child = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = child.communicate(timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill(child)
        raise ReleaseError(f"was still installing after {INSTALL_TIMEOUT:g} s") from None
    except BaseException:
        _kill(child)
        raise
    if child.returncode != 0:
        raise ReleaseError(_uv_failure(output.decode(errors="replace"), python))


def _kill(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _uv_failure(output: str, python: str) -> str:
    """uv's error as one line: why nothing matched (its hint, else its cause), or what failed."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    said = {label: text for line in lines for label, _, text in [line.partition(": ")]}
    if any(line.startswith("error: No solution found") for line in lines):
        reason = said.get("hint") or said.get("cause", "").split(", we can conclude")[0]
        reason = reason.removeprefix("Because ")
        return f"cannot be installed for Python {python}: {reason or 'no matching release'}"
    failure = said.get("error", lines[-1] if lines else "uv failed")
    cause = said.get("Caused by", "")
    return f"could not be installed: {failure}" + (f" ({cause})" if cause else "")
