"""``--tensorflow RELEASE``: the option checked without the network, and the cache of
virtualenvs (made once, locked, published whole), with a stand-in installer where uv would take
a minute. The real installs are in test_removals.py (marked slow / matrix)."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
import tomllib
from conftest import ROOT

from tf1repro.cli import main
from tf1repro.legacy import environments
from tf1repro.legacy.environments import Release, ReleaseError, environment, parse_releases

#: What uv printed here (uv 0.13, no terminal) for releases that do not install on Python 3.11.
UV_NO_VERSION = """\
error: No solution found when resolving dependencies
  cause: Because only tensorflow<=2.22.0rc0 is available and you require tensorflow==9.9.*, \
we can conclude that your requirements are unsatisfiable.
"""
UV_NO_WHEEL = """\
error: No solution found when resolving dependencies
  cause: Because tensorflow>=2.11.0rc0,<=2.11.1 has no wheels with a matching Python ABI tag \
(e.g., `cp311`) and only the following versions of tensorflow are available:
             tensorflow<2.11.dev0
             tensorflow>=2.11.0rc0,<=2.11.1
         we can conclude that tensorflow==2.11.* cannot be used.

hint: You require CPython 3.11 (`cp311`), but we only found wheels for `tensorflow` (v2.11.1) \
with the following Python ABI tags: `cp38`, `cp39`, `cp310`
"""
UV_OFFLINE = """\
error: Failed to fetch: `https://pypi.org/simple/tensorflow/`
  Caused by: Could not connect, are you offline?
"""


class StandIn:
    """Makes an "environment" whose ``bin/python`` runs this interpreter (with
    ``TF1REPRO_STAND_IN`` set, so a script can tell where it ran), or one that reports
    ``tensorflow`` as its TensorFlow version; counts its calls; may wait or fail."""

    def __init__(self, tensorflow: str | None = None) -> None:
        self.tensorflow = tensorflow
        self.calls: list[tuple[Path, str, list[str]]] = []
        self.started = threading.Event()
        self.go_on = threading.Event()
        self.go_on.set()
        self.error: BaseException | None = None

    def __call__(self, folder: Path, python: str, packages: Sequence[str]) -> None:
        self.calls.append((folder, python, list(packages)))
        (folder / "bin").mkdir(parents=True)
        self.started.set()
        self.go_on.wait(30)
        if self.error is not None:
            raise self.error
        if self.tensorflow is None:
            body = f'TF1REPRO_STAND_IN=1 exec {sys.executable} "$@"'
        else:
            versions = json.dumps({"python": "3.11.7", "tensorflow": self.tensorflow})
            body = f"echo '{versions}'"
        script = folder / "bin" / "python"
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)


def installed_release() -> str:
    """The major.minor of the TensorFlow installed here (read without importing it)."""
    from importlib import metadata

    return ".".join(metadata.version("tensorflow").split(".")[:2])


# -- the option, checked without the network ----------------------------------------------------


@pytest.mark.parametrize("text", ["2.15", "2.15.1", "2.0", "2.100.3"])
def test_a_release_is_major_minor_or_a_patch(text: str) -> None:
    assert Release(text).text == text


@pytest.mark.parametrize(
    "text", ["9.9", "1.15", "abc", "2", "2.", "2.15.", "02.15", "2.15.1.1", "2.15rc0", "", " 2.15"]
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ReleaseError, match=r"must be a TensorFlow 2 release"):
        Release(text)


def test_what_an_environment_installs() -> None:
    assert Release("2.15").packages() == ["tensorflow==2.15.*", *environments.EXTRA_PACKAGES]
    # Keras 3 is the default from 2.16: Keras 2 of the same release goes beside it.
    assert Release("2.16.2").packages() == [
        "tensorflow==2.16.2",
        "tf-keras==2.16.*",
        *environments.EXTRA_PACKAGES,
    ]
    assert [r.text for r in parse_releases("2.15, 2.21")] == ["2.15", "2.21"]
    with pytest.raises(ReleaseError, match=r"gives 2\.15 twice"):
        parse_releases("2.15,2.16,2.15")


def test_extra_packages_are_the_legacy_extra_and_matplotlib() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    legacy = [spec for spec in project["optional-dependencies"]["legacy"]]
    matplotlib = [spec for spec in project["dependencies"] if spec.startswith("matplotlib")]
    # tf-keras is pinned to each release instead; uv makes the environments and pooch fills the
    # data cache, both on tf1repro's side of a run, not in the script's interpreter.
    parent_side = ("tf-keras", "uv", "pooch")
    expected = [spec for spec in legacy if not spec.startswith(parent_side)] + matplotlib
    assert list(environments.EXTRA_PACKAGES) == expected


def test_where_the_cache_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(environments.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert environments.cache_dir() == tmp_path / "home" / ".cache" / "tf1repro" / "envs"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # the XDG spec: ignored unless absolute
    assert environments.cache_dir() == tmp_path / "home" / ".cache" / "tf1repro" / "envs"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert environments.cache_dir() == tmp_path / "xdg" / "tf1repro" / "envs"
    monkeypatch.setenv(environments.CACHE_VARIABLE, str(tmp_path / "variable"))
    assert environments.cache_dir() == tmp_path / "variable"
    assert environments.cache_dir(str(tmp_path / "given")) == tmp_path / "given"


def test_uv_errors_become_one_line() -> None:
    assert environments._uv_failure(UV_NO_VERSION, "3.11") == (
        "cannot be installed for Python 3.11: only tensorflow<=2.22.0rc0 is available and you "
        "require tensorflow==9.9.*"
    )
    assert environments._uv_failure(UV_NO_WHEEL, "3.11") == (
        "cannot be installed for Python 3.11: You require CPython 3.11 (`cp311`), but we only "
        "found wheels for `tensorflow` (v2.11.1) with the following Python ABI tags: `cp38`, "
        "`cp39`, `cp310`"
    )
    assert environments._uv_failure(UV_OFFLINE, "3.11") == (
        "could not be installed: Failed to fetch: `https://pypi.org/simple/tensorflow/` "
        "(Could not connect, are you offline?)"
    )


# -- the cache ---------------------------------------------------------------------------------


def test_made_once_then_taken_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    installer = StandIn(tensorflow="2.15.1")
    made = environment(Release("2.15"), cache, installer=installer)
    assert made.created and made.versions["tensorflow"] == "2.15.1"
    assert made.folder.parent == cache and made.folder.name.startswith("tf-2.15-py3.")
    assert os.access(made.python, os.X_OK)
    # Installed elsewhere (beside it), then renamed into place.
    (staging, python, packages), *_ = installer.calls
    assert staging.parent == cache and staging != made.folder
    assert python == sys.executable and packages == Release("2.15").packages()
    again = environment(Release("2.15"), cache, installer=installer)
    assert (again.folder, again.versions, again.created) == (made.folder, made.versions, False)
    assert len(installer.calls) == 1
    # Nothing else is left in the cache: no staging folder, no lock file.
    assert os.listdir(cache) == [made.folder.name]
    marker = json.loads((made.folder / environments.MARKER).read_text())
    assert marker["packages"] == packages


def test_another_python_or_package_set_is_another_environment(tmp_path: Path) -> None:
    release = Release("2.15")
    name = environments.folder_name(release, sys.executable, release.packages())
    assert name == environments.folder_name(release, sys.executable, release.packages())
    assert name != environments.folder_name(release, sys.executable, ["tensorflow==2.15.*"])
    assert name != environments.folder_name(Release("2.15.1"), sys.executable, release.packages())


@pytest.mark.parametrize("cache_exists", [True, False])
def test_a_failed_install_leaves_nothing(tmp_path: Path, cache_exists: bool) -> None:
    cache = tmp_path / "a" / "cache"
    if cache_exists:
        cache.mkdir(parents=True)
    installer = StandIn(tensorflow="2.15.1")
    installer.error = ReleaseError(environments._uv_failure(UV_NO_WHEEL, "3.11"))
    with pytest.raises(ReleaseError, match=r"^2\.15 cannot be installed for Python 3\.11: "):
        environment(Release("2.15"), cache, installer=installer)
    if cache_exists:
        assert os.listdir(cache) == []
    else:
        assert os.listdir(tmp_path) == []  # the folders it made for the cache went too


def test_the_wrong_release_installed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match=r"^2\.15 installed TensorFlow 2\.14\.1$"):
        environment(Release("2.15"), tmp_path, installer=StandIn(tensorflow="2.14.1"))
    assert os.listdir(tmp_path) == []


def test_ctrl_c_while_installing_leaves_no_half_environment(tmp_path: Path) -> None:
    installer = StandIn(tensorflow="2.15.1")
    installer.error = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        environment(Release("2.15"), tmp_path, installer=installer)
    assert os.listdir(tmp_path) == []
    # The next run makes it whole.
    installer.error = None
    assert environment(Release("2.15"), tmp_path, installer=installer).created


def test_a_killed_runs_staging_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    release = Release("2.15")
    target = tmp_path / environments.folder_name(release, sys.executable, release.packages())
    dead = environments.leftovers.beside(target, "stage", f"{2**22 + 1}-abcd1234")  # no such pid
    (dead / "bin").mkdir(parents=True)
    environment(release, tmp_path, installer=StandIn(tensorflow="2.15.1"))
    assert sorted(os.listdir(tmp_path)) == [target.name]


def test_a_folder_without_the_marker_is_not_used(tmp_path: Path) -> None:
    release = Release("2.15")
    target = tmp_path / environments.folder_name(release, sys.executable, release.packages())
    (target / "bin").mkdir(parents=True)
    with pytest.raises(ReleaseError, match=r"has no tf1repro-env\.json; delete it"):
        environment(release, tmp_path, installer=StandIn(tensorflow="2.15.1"))


def test_two_runs_at_once_make_it_once(tmp_path: Path) -> None:
    """The second waits on the lock (flock: per open file, so threads contend like processes)
    and then takes the first one's environment."""
    installer = StandIn(tensorflow="2.15.1")
    installer.go_on.clear()
    results: dict[bool, environments.Environment] = {}
    waiting = threading.Event()

    def make(notify: bool) -> None:
        told = (lambda line: waiting.set()) if notify else None
        results[notify] = environment(Release("2.15"), tmp_path, installer=installer, notify=told)

    first = threading.Thread(target=make, args=(False,))
    first.start()
    assert installer.started.wait(30)
    second = threading.Thread(target=make, args=(True,))
    second.start()
    assert waiting.wait(30)  # the second is blocked on the lock
    installer.go_on.set()
    first.join(30)
    second.join(30)
    assert len(installer.calls) == 1
    assert (results[False].created, results[True].created) == (True, False)
    assert results[False].folder == results[True].folder


# -- the command line --------------------------------------------------------------------------


def script_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "where.py").write_text(
        "import os\nprint('stand-in', os.environ.get('TF1REPRO_STAND_IN'))\n"
    )
    return folder


@pytest.mark.parametrize(
    ("command", "extra", "message"),
    [
        ("run", ["--tensorflow", "9.9"], "--tensorflow must be a TensorFlow 2 release"),
        ("run", ["--tensorflow", "abc"], "got 'abc'"),
        ("check", ["--tensorflow", "2.15,2.16"], "--tensorflow takes one release here"),
        ("run", ["--tensorflow", "2.15", "--python", sys.executable], "give one of them"),
        ("check", ["--tensorflow", "2.15", "--python", sys.executable], "give one of them"),
        ("run", ["--env-cache", "{cache}"], "is only used with --tensorflow"),
        ("check", ["--tensorflow", "2.15", "--env-cache", ""], "--env-cache '' is not a folder"),
        ("run", ["--tensorflow", "2.15", "--env-cache", "{file}"], "is not a folder"),
        ("matrix", ["--tensorflow", "2.15"], "needs at least two releases"),
        ("matrix", ["--tensorflow", "2.15,2.x"], "got '2.x'"),
        ("matrix", ["--tensorflow", "2.15,2.15"], "--tensorflow gives 2.15 twice"),
        (
            "matrix",
            ["--tensorflow", "2.15", "--python", "2.15={python}"],
            "--python and --tensorflow give release 2.15 twice",
        ),
        ("matrix", ["--tensorflow", "2.15,2.16", "--collect"], "leave out --python and --tens"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    extra: list[str],
    message: str,
) -> None:
    folder = script_folder(tmp_path)
    (tmp_path / "file").write_text("")
    fill = {
        "cache": str(tmp_path / "cache"),
        "file": str(tmp_path / "file"),
        "python": sys.executable,
    }
    target = [str(folder / "where.py")] if command == "run" else [str(folder)]
    out = tmp_path / "out"
    argv = ["legacy", command, *target, "--out", str(out), *(a.format(**fill) for a in extra)]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error
    assert not out.exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("command", ["run", "check", "matrix"])
def test_a_release_that_does_not_install_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    def no_such_release(folder: Path, python: str, packages: Sequence[str]) -> None:
        raise ReleaseError(environments._uv_failure(UV_NO_VERSION, "3.11"))

    monkeypatch.setattr(environments, "uv_install", no_such_release)
    folder = script_folder(tmp_path)
    target = [str(folder / "where.py")] if command == "run" else [str(folder)]
    releases = "2.99,2.98" if command == "matrix" else "2.99"
    out, cache = tmp_path / "out", tmp_path / "cache"
    argv = ["legacy", command, *target, "--out", str(out), "--tensorflow", releases]
    assert main([*argv, "--env-cache", str(cache)]) == 2
    error = capsys.readouterr().err
    assert error == (
        "tf1repro legacy: error: --tensorflow 2.99 cannot be installed for Python 3.11: only "
        "tensorflow<=2.22.0rc0 is available and you require tensorflow==9.9.*\n"
    )
    assert not out.exists() and not cache.exists()


def test_run_and_check_use_the_environments_interpreter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    installer = StandIn()
    monkeypatch.setattr(environments, "uv_install", installer)
    folder = script_folder(tmp_path)
    release = installed_release()
    cache = tmp_path / "cache"
    options = ["--tensorflow", release, "--env-cache", str(cache), "--fresh"]
    out = tmp_path / "out"
    assert main(["legacy", "check", str(folder), "--out", str(out), *options]) == 0
    assert (out / "where" / "stdout.txt").read_text() == "stand-in 1\n"
    assert len(installer.calls) == 1
    run = tmp_path / "run"
    assert main(["legacy", "run", str(folder / "where.py"), "--out", str(run), *options[:4]]) == 0
    assert capsys.readouterr().out.endswith("stand-in 1\n")
    assert len(installer.calls) == 1  # taken from the cache
    # Without --tensorflow the script runs in this interpreter.
    assert main(["legacy", "run", str(folder / "where.py"), "--out", str(run)]) == 0
    assert capsys.readouterr().out.endswith("stand-in None\n")


def test_matrix_labels_its_columns_by_the_releases_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    installer = StandIn()
    monkeypatch.setattr(environments, "uv_install", installer)
    folder = script_folder(tmp_path)
    # Two names of the one release installed here (the stand-in can only run this one).
    releases = f"{installed_release()},{metadata.version('tensorflow')}"
    out = tmp_path / "out"
    argv = ["legacy", "matrix", str(folder), "--out", str(out), "--tensorflow", releases]
    assert main([*argv, "--env-cache", str(tmp_path / "cache"), "--fresh"]) == 0
    first, second = releases.split(",")
    assert sorted(os.listdir(out)) == [f"tf-{first}", f"tf-{second}"]
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header == ["script", first, "(reference)", second]
    for label in (first, second):
        assert (out / f"tf-{label}" / "where" / "stdout.txt").read_text() == "stand-in 1\n"
    assert len(installer.calls) == 2


def test_ctrl_c_kills_uv_with_what_it_started(tmp_path: Path) -> None:
    """uv runs in its own process group: a Ctrl-C (here SIGINT from a thread) kills the group."""
    import signal

    pid_file = tmp_path / "grandchild"
    # A stand-in for uv that starts a process of its own, then waits.
    command = [
        sys.executable,
        "-c",
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n",
    ]

    def interrupt_when_started() -> None:
        for _ in range(600):
            if pid_file.exists() and pid_file.read_text():
                break
            threading.Event().wait(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        environments._run_uv(command, "3.11")
    grandchild = int(pid_file.read_text())
    # Killed; reaped by init (or by this process, its subreaper in other tests) within moments,
    # or within seconds on a loaded machine: up to 30 s, as long as the start is given.
    for _ in range(600):
        try:
            state = Path(f"/proc/{grandchild}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            break
        if state == "Z":
            break
        threading.Event().wait(0.05)
    else:
        raise AssertionError(f"process {grandchild} still runs")
