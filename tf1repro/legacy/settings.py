"""How legacy scripts are run: one frozen ``RunSettings``, checked once when it is made.

``run_script`` reads the fields that shape one child (seed, timeout, interpreter, the
compatibility layer, recording), ``check_folder`` also ``jobs`` and ``fresh``, ``run_matrix``
changes ``python`` per release, and a shard's result file keeps the fields that change what a
script does or prints. The command line builds one from its options; the Python API takes
keyword arguments with these names (``run_script(script, out, seed=0, timeout=120)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tf1repro.config import Bool, Float, Int, validate_seed
from tf1repro.errors import ParameterError

if TYPE_CHECKING:
    # Only named here: the command line imports this module when it builds its options.
    from tf1repro.recording.reader import Recording

DEFAULT_TIMEOUT = 600.0
#: The longest timeout: one week, far beyond any tutorial. Much longer waits (from about 9.2e9 s)
#: overflow the platform's time type where the parent waits on a preloaded child (``select``).
MAX_TIMEOUT = 7 * 24 * 3600.0
TIMEOUT = Float(positive=True, high=MAX_TIMEOUT)
#: What ``TIMEOUT`` allows, in the words of the ``--timeout`` option.
TIMEOUT_ALLOWED = f"a number of seconds > 0 and <= {MAX_TIMEOUT:g} (one week)"
JOBS = Int(1)
FLAG = Bool()


@dataclass(frozen=True)
class RunSettings:
    """How each script runs (the defaults: as written, unseeded, in this interpreter, with the
    compatibility layer on), and how a folder of them is run."""

    seed: int | None = None
    """Seeds ``random``, NumPy and every TF graph (and ``PYTHONHASHSEED``); None: unseeded."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds before a script is stopped, together with everything it started."""
    python: str | None = None
    """The interpreter the scripts run in (None: this one), e.g. a virtualenv's with another
    TensorFlow release."""
    strict: bool = False
    """No compatibility layer: no stand-ins for removed APIs, only what TF 2 itself does."""
    data_dir: Path | None = None
    """Where ``input_data`` looks for the MNIST files after the script's own ``train_dir``."""
    data_cache: Path | None = None
    """Serve every download the scripts make from this folder's pinned files (see
    ``tf1repro.legacy.data_cache``); None: downloads go to the network as written."""
    fetch: bool = False
    """With ``data_cache``: download what it lacks, and pin it in its lock file."""
    soft_placement: bool = False
    """Place ops pinned to a missing device (e.g. ``/gpu:0``) on one that exists."""
    stdin: bytes | None = None
    """What each script reads on its standard input (``--stdin``); None: an empty stdin."""
    record: Recording | None = None
    """Record every graph that trains (``record_N.json``, see ``tf1repro.recording.reader``)."""
    jobs: int = 1
    """Scripts of a folder run at once."""
    fresh: bool = False
    """Start every script of a folder in a fresh interpreter rather than forking it from a
    preloaded one (see ``preload``), where the results cannot differ."""

    def __post_init__(self) -> None:
        checked: dict[str, Any] = {
            "seed": None if self.seed is None else validate_seed(self.seed),
            "timeout": check_number("timeout", self.timeout, TIMEOUT, TIMEOUT_ALLOWED),
            "jobs": JOBS.check("jobs", self.jobs),
        }
        for name in ("strict", "soft_placement", "fresh", "fetch"):
            checked[name] = FLAG.check(name, getattr(self, name))
        if checked["fetch"] and self.data_cache is None:
            raise ParameterError("fetch", True, "False unless data_cache names a folder to fill")
        # Plain ints and floats, however they were passed: the run records hold them.
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> RunSettings:
        """A copy with ``changes``, checked again."""
        return dataclasses.replace(self, **changes)


def settings_of(settings: RunSettings | None, options: Mapping[str, Any]) -> RunSettings:
    """``settings`` (None: the defaults) with ``options``, fields of ``RunSettings``, changed:
    what the keyword arguments of ``run_script`` and ``check_folder`` build."""
    base = RunSettings() if settings is None else settings
    return base.replace(**options) if options else base


def check_number(name: str, value: object, constraint: Float, allowed: str) -> float:
    """``constraint.check(name, value)``, saying what is allowed in ``allowed``'s words (a
    number of seconds, not "a finite float")."""
    if not constraint.allows(value):
        raise ParameterError(name, value, allowed)
    return float(value)  # type: ignore[arg-type]
