"""The interpreters a script can run in: the child's entry point, and what each one holds.

Kept apart from the runner so that what asks an interpreter for its versions (the release
environments, ``legacy matrix``, ``legacy check``) does not import the runner.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

#: The script's process starts here, by file path, in whichever interpreter runs the script.
BOOTSTRAP = Path(__file__).with_name("bootstrap.py")


def interpreter_versions(python: str) -> dict[str, str]:
    """Python, TensorFlow, NumPy and tf-keras versions of ``python``, without importing them."""
    result = subprocess.run(
        [python, str(BOOTSTRAP), "--versions"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise OSError(result.stderr.strip().splitlines()[-1:] or f"exit {result.returncode}")
    versions: dict[str, str] = json.loads(result.stdout)
    return versions
