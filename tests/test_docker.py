"""The Docker image, built and run for real with podman (opt-in: ``pytest -m docker``).

Needs podman (Debian: ``apt-get install podman runc``). Where no registry is reachable, the
``debian:bookworm-slim`` base is built first with docker/make_local_base.sh (needs root and
debootstrap). Building the image downloads TensorFlow: expect a few minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from conftest import ROOT

from tf1repro.matrix import CHECK_NAMES

pytestmark = pytest.mark.docker

DOCKER = ROOT / "docker"
BASE = "docker.io/library/debian:bookworm-slim"


def _podman(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(DOCKER / "containers.conf"))
    return subprocess.run(
        ["podman", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _default_release() -> str:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    found = re.search(r"^ARG TF_VERSION=(\S+)$", text, re.MULTILINE)
    assert found, "the Dockerfile declares no default TF_VERSION"
    return found.group(1)


def _ensure_base() -> None:
    if _podman("image", "exists", BASE).returncode == 0:
        return
    if shutil.which("debootstrap") and os.geteuid() == 0:
        made = subprocess.run(
            ["bash", str(DOCKER / "make_local_base.sh")],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert made.returncode == 0, made.stdout + made.stderr
    # Otherwise podman pulls the base from a registry while building.


@pytest.fixture
def image() -> Iterator[str]:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (apt-get install podman runc): cannot build images")
    _ensure_base()
    name = f"localhost/tf1repro-test:{uuid.uuid4().hex[:8]}"
    built = _podman("build", "-f", str(DOCKER / "Dockerfile"), "-t", name, str(ROOT))
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield name
    _podman("rmi", "-f", name)


def test_image_runs_the_suite_and_every_check_passes(image: str) -> None:
    ran = _podman("run", "--rm", image)
    assert ran.returncode == 0, ran.stdout[-5000:] + ran.stderr[-3000:]
    lines = ran.stdout.splitlines()
    # The report's verdict for the Dockerfile's default release.
    release = re.escape(_default_release())
    checks = len(CHECK_NAMES)
    verdict = rf"TensorFlow {release}\.\d+ \(numpy \S+, keras \S+\): all {checks} checks passed"
    assert re.fullmatch(verdict, lines[-2]), lines[-5:]
    assert any(line.startswith(f"| {_default_release()} | ") for line in lines)

    whoami = _podman("run", "--rm", image, "id", "-u")
    assert whoami.returncode == 0 and whoami.stdout.strip() not in ("", "0")
