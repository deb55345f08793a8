"""The Docker image, built and run for real with podman (opt-in: ``pytest -m docker``).

Needs podman (Debian: ``apt-get install podman runc``). Where no registry is reachable, the
``debian:bookworm-slim`` base is built first with docker/make_local_base.sh (needs root and
debootstrap). The image of the Dockerfile's default release is built and run by
docker/build_all.sh, as a user runs it: the fidelity suite on both CPU kernel paths (oneDNN on,
TensorFlow's default, and off), every golden of every tutorial included. Then a folder of the
user's scripts is mounted and checked on both paths. Building downloads TensorFlow and the two
suites take minutes each: expect about 20 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from tf1repro.golden import cases, golden_files
from tf1repro.tutorial import tutorial_names
from tools.matrix import CHECK_NAMES, SUITE
from tools.matrix.run import MARKERS

pytestmark = pytest.mark.docker

DOCKER = ROOT / "docker"
BASE = "docker.io/library/debian:bookworm-slim"
#: A user id the image does not know, as ``--user "$(id -u):$(id -g)"`` gives on a host.
HOST_USER = "4321"


def _conf_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(DOCKER / "containers.conf"))
    return env


def _podman(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args],
        env=_conf_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _default_release() -> str:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    found = re.search(r"^ARG TF_VERSION=(\S+)$", text, re.MULTILINE)
    assert found, "the Dockerfile declares no default TF_VERSION"
    return found.group(1)


RELEASE = _default_release()
#: The two CPU kernel paths build_all.sh runs: their labels and what the image must detect.
PATHS = {RELEASE: "onednn", f"{RELEASE}-onednn-off": "eigen"}


def _ensure_base() -> None:
    if _podman("image", "exists", BASE).returncode == 0:
        return
    if shutil.which("debootstrap") and os.geteuid() == 0:
        made = subprocess.run(
            ["bash", str(DOCKER / "make_local_base.sh")],
            env=_conf_env(),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        assert _podman("image", "exists", BASE).returncode == 0
    # Otherwise podman pulls the base from a registry while building.


@dataclass(frozen=True)
class Built:
    """What ``docker/build_all.sh RELEASE`` left: its exit code and output, the results folder
    and the image it kept."""

    code: int
    output: str
    results: Path
    image: str

    def record(self, label: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.results / f"tf-{label}.json").read_text("utf-8"))
        return data

    def printed(self, label: str) -> str:
        return (self.results / f"tf-{label}.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (apt-get install podman runc): cannot build images")
    _ensure_base()
    results = tmp_path_factory.mktemp("docker-results")
    # Mounted read-only into the image (for the report), whose user is not root.
    results.chmod(0o755)
    name = f"localhost/tf1repro-test-{uuid.uuid4().hex[:8]}"
    env = {**_conf_env(), "ENGINE": "podman", "IMAGE": name, "RESULTS": str(results)}
    ran = subprocess.run(
        ["bash", str(DOCKER / "build_all.sh"), RELEASE],
        env={**env, "KEEP_IMAGES": "1"},
        capture_output=True,
        text=True,
        timeout=5400,
        check=False,
    )
    image = f"{name}:tf-{RELEASE}"
    yield Built(ran.returncode, ran.stdout + ran.stderr, results, image)
    _podman("rmi", "-f", image)


def _what_failed(built: Built) -> str:
    logs = sorted(built.results.glob("*.md")) + sorted(built.results.glob("*.log"))
    return built.output + "".join(
        f"\n--- {path.name}:\n{path.read_text('utf-8')[-3000:]}" for path in logs
    )


def _collected(test_file: str) -> list[str]:
    """The tests of ``test_file`` the suite runs, by node id (the image holds the same files)."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    listed = subprocess.run(
        [*command, "-m", MARKERS, str(ROOT / "tests" / test_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    return [line for line in listed.stdout.splitlines() if "::" in line]


def test_build_all_passes_every_check_on_both_kernel_paths(built: Built) -> None:
    assert built.code == 0, _what_failed(built)
    checks = len(CHECK_NAMES)
    for label, kernels in PATHS.items():
        lines = built.printed(label).splitlines()
        # The report's verdict, for the Dockerfile's release, then where the record went.
        verdict = rf"TensorFlow {re.escape(RELEASE)}\.\d+ \(numpy \S+, keras \S+\): "
        assert re.fullmatch(verdict + f"all {checks} checks passed", lines[-2]), lines[-5:]
        assert any(line.startswith(f"| {label} | ") for line in lines)
        record = built.record(label)
        assert (record["release"], record["outcome"]) == (label, "passed")
        assert record["versions"]["tensorflow"].startswith(f"{RELEASE}.")
        # TF_ENABLE_ONEDNN_OPTS reached TensorFlow: the path is measured, not assumed.
        assert record["kernels"].split("+")[0] == kernels, record["kernels"]


def test_every_test_of_the_suite_ran_and_passed_in_the_image(built: Built) -> None:
    # Each check's tests all ran and passed, none skipped, on both paths: in particular one test
    # per golden, and the goldens cover every tutorial (the article's, chapter 2's, chapter 3's).
    assert built.code == 0, _what_failed(built)
    assert {case.name for case in cases()} == set(tutorial_names())
    expected = {check.name: _collected(check.test_file) for check in SUITE}
    goldens = golden_files(ROOT / "tests" / "golden")
    assert sorted(path.name for path in goldens) == sorted(case.file_name for case in cases())
    for path in goldens:
        test = f"test_installed_tensorflow_reproduces_golden[{path.stem}]"
        assert any(node.endswith(test) for node in expected["goldens"]), test
    for label in PATHS:
        checks = built.record(label)["checks"]
        for name, tests in expected.items():
            tally = checks[name]
            counts = (tally["passed"], tally["failed"], tally["skipped"])
            assert counts == (len(tests), 0, 0), (label, name, tally["failures"])


def test_the_report_renders_both_paths(built: Built) -> None:
    assert built.code == 0, _what_failed(built)
    page = (built.results / "compatibility.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| ") and "✅" in line]
    assert [row.split(" | ")[0][2:] for row in rows] == sorted(PATHS)
    assert "❌" not in page


def test_the_image_runs_as_a_user_and_the_suite_is_its_default(built: Built) -> None:
    assert built.code == 0, _what_failed(built)
    whoami = _podman("run", "--rm", built.image, "id", "-u")
    assert whoami.returncode == 0 and whoami.stdout.strip() not in ("", "0"), whoami
    command = _podman("image", "inspect", "--format", "{{json .Config.Cmd}}", built.image)
    assert json.loads(command.stdout)[:4] == ["python", "-m", "tools.matrix", "run"]


#: A user's TF1 scripts. Both compute the same bits on either kernel path: products and
#: element-wise ops only, no sum of several terms. ``dense.py`` needs the legacy stand-in for
#: ``tf.layers`` (Keras 2, from tf-keras) on the TensorFlow releases whose Keras is 3.
SCRIPTS = {
    "scale.py": """\
import numpy as np
import tensorflow as tf

inputs = np.random.normal(2.0, 0.25, 30).astype(np.float32)
x = tf.placeholder(tf.float32, shape=[1])
target = tf.placeholder(tf.float32, shape=[1])
weight = tf.Variable(tf.random_normal(shape=[1]))
loss = tf.square(x * weight - target)
step = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(30):
        feed = {x: inputs[i : i + 1], target: [6.0]}
        sess.run(step, feed)
        print("step", i + 1, "weight", sess.run(weight)[0], "loss", sess.run(loss, feed)[0])
""",
    "dense.py": """\
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, shape=[None, 1])
y = tf.layers.dense(x, 1, kernel_initializer=tf.random_normal_initializer())
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for value in sess.run(y, {x: np.linspace(-1, 1, 5).reshape(5, 1)}):
        print("output", value[0])
""",
}


def _run_as_host_user(
    built: Built, scripts: Path, out: Path, *command: str, onednn_off: bool = False
) -> subprocess.CompletedProcess[str]:
    # As docs/legacy.md says to run it: the folder read-only, the results in the user's own.
    options = ["--user", f"{HOST_USER}:{HOST_USER}"]
    options += ["-v", f"{scripts}:/scripts:ro", "-v", f"{out}:/out"]
    if onednn_off:
        options += ["-e", "TF_ENABLE_ONEDNN_OPTS=0"]
    return _podman("run", "--rm", *options, built.image, *command)


def test_a_mounted_folder_of_scripts_is_checked_on_both_paths(built: Built, tmp_path: Path) -> None:
    assert built.code == 0, _what_failed(built)
    scripts = tmp_path / "my_tutorials"
    scripts.mkdir()
    for name, text in SCRIPTS.items():
        (scripts / name).write_text(text, encoding="utf-8")
    scripts.chmod(0o755)
    out = tmp_path / "legacy-matrix"
    out.mkdir()
    os.chown(out, int(HOST_USER), int(HOST_USER))
    for label in PATHS:
        command = ["tf1repro", "legacy", "check", "/scripts", "--seed", "0"]
        checked = _run_as_host_user(
            built, scripts, out, *command, "--out", f"/out/tf-{label}", onednn_off=label != RELEASE
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "2 scripts: 2 ok, 0 failed" in checked.stdout, checked.stdout
        if _keras_3(built):
            assert "dense.py: tf.layers -> Keras 2 (tf-keras " in checked.stdout, checked.stdout
        assert checked.stderr == ""
    # The folder was only read; the runs belong to the user who ran them.
    assert sorted(path.name for path in scripts.iterdir()) == sorted(SCRIPTS)
    assert {path.stat().st_uid for path in out.rglob("*")} == {int(HOST_USER)}

    # The script-by-release table, from the run folders, in the image as well.
    command = ["tf1repro", "legacy", "matrix", "/scripts", "--collect", "--out", "/out"]
    table = _run_as_host_user(built, scripts, out, *command)
    assert table.returncode == 0, table.stdout + table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["script", RELEASE, "(reference)", f"{RELEASE}-onednn-off"]
    assert [line.split() for line in lines[1:3]] == [
        ["dense.py", "ok", "ok,", "same"],
        ["scale.py", "ok", "ok,", "same"],
    ]
    assert f"0 regression(s) against {RELEASE}" in table.stdout


def _keras_3(built: Built) -> bool:
    return str(built.record(RELEASE)["versions"]["keras"]).startswith("3.")
