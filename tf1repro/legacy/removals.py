"""Which ``tf.compat.v1`` names each TensorFlow release removed, measured, and the newest release
that still has each: what ``removed-api`` and ``contrib`` failures tell the user to run with
(``tf.estimator``: removed in 2.16; runs with ``--tensorflow 2.15``).

The table, ``removals.json`` beside this module, is data measured by installing every release
(``python -m tools.removals``, one environment of ``legacy.environments`` each) and listing
in each the public names of ``tf.compat.v1`` and of its modules, one level down (``PROBE``).
A name is in the table when a release has it and the next measured release does not (and no
later one has it back); a module's names that left with it are not listed apart. ``never``
are the names TF1 scripts use that no measured release has (``tf.contrib``, which TensorFlow
2.0 removed; no release of the 1.x line installs on the Python versions tf1repro supports).
``tests/test_removals.py`` measures again and compares (marked ``matrix``: it installs every
release).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tf1repro import files

TABLE_FILE = "removals.json"
FORMAT = "tf1repro.removals/1"
#: Names TF1 scripts use that a release may lack from the first measured on: checked absent.
NEVER = ("contrib",)

#: Run by each release's interpreter: its version and the public names of ``tf.compat.v1`` and
#: of the modules in it. A name whose loading fails (Keras 3 refusing ``tf.compat.v1.layers``)
#: is listed, but not looked into.
PROBE = r"""
import json, os, types
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
v1 = tf.compat.v1
names = set()
for name in dir(v1):
    if name.startswith("_"):
        continue
    names.add(name)
    try:
        value = getattr(v1, name)
        inner = dir(value) if isinstance(value, types.ModuleType) else []
    except Exception:
        continue
    names.update(f"{name}.{sub}" for sub in inner if not sub.startswith("_"))
print(json.dumps({"tensorflow": tf.__version__, "names": sorted(names)}))
"""


@dataclass(frozen=True)
class Removal:
    """A name some release removed: the newest measured release that has it, and the next."""

    name: str
    last: str
    removed_in: str


@dataclass(frozen=True)
class Removals:
    """The measured table: the releases measured (oldest first) and on which Python, what each
    removed, and the names none of them has."""

    python: str
    releases: tuple[str, ...]
    removed: dict[str, str]
    """Name (``estimator``, ``keras.wrappers``) -> the newest release that has it."""
    never: tuple[str, ...]

    def removal(self, name: str) -> Removal | None:
        """When ``name`` left TensorFlow, if a measured release removed it."""
        last = self.removed.get(name)
        if last is None:
            return None
        return Removal(name, last, self.releases[self.releases.index(last) + 1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "python": self.python,
            "releases": list(self.releases),
            "removed": dict(sorted(self.removed.items())),
            "never": list(self.never),
        }


def table_of(measured: Mapping[str, set[str]], python: str) -> Removals:
    """The table of ``measured``: per release label (oldest first), its names."""
    releases = tuple(measured)
    newest: dict[str, str] = {}
    for label, names in measured.items():
        for name in names:
            newest[name] = label
    last = releases[-1]
    removed = {name: release for name, release in newest.items() if release != last}
    # A module's names that left with it say nothing more than the module.
    removed = {
        name: release
        for name, release in removed.items()
        if "." not in name or removed.get(name.partition(".")[0]) != release
    }
    never = tuple(name for name in NEVER if name not in newest)
    return Removals(python, releases, removed, never)


@functools.cache
def table() -> Removals:
    """The table shipped with tf1repro (``removals.json``)."""
    text = resources.files(__package__).joinpath(TABLE_FILE).read_text(encoding="utf-8")
    fields = files.Fields(files.loads_json(text, source=TABLE_FILE), TABLE_FILE)
    removed = fields.get("removed", dict)
    return Removals(
        python=fields.string("python"),
        releases=tuple(str(label) for label in fields.array("releases")),
        removed={str(name): str(release) for name, release in removed.items()},
        never=tuple(str(name) for name in fields.array("never")),
    )


def probe(python: str, timeout: float = 600) -> tuple[str, set[str]]:
    """The TensorFlow version of ``python`` and its names (see ``PROBE``)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_USE_LEGACY_KERAS", None)
    result = subprocess.run(
        [python, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{python}: the probe failed: {result.stderr.strip()[-500:]}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return str(found["tensorflow"]), set(found["names"])


def measure(releases: Sequence[str], python: str | None = None) -> Removals:
    """Install each release (oldest first; cached, see ``legacy.environments``) and probe it."""
    from tf1repro.legacy.environments import Release, cache_dir, environment

    measured: dict[str, set[str]] = {}
    version = ""
    for label in releases:
        made = environment(Release(label), cache_dir(), python=python)
        version = made.versions.get("python", "")
        measured[label] = probe(made.python)[1]
    return table_of(measured, ".".join(version.split(".")[:2]))
