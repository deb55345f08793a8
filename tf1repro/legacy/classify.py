"""Why a legacy script did not run to the end, in one line a user can act on.

The child reports an uncaught exception as its type, message, the chain of causes and the
script's line (the innermost frame in the script's own file); a timeout comes with the stack the
child dumped when it was stopped. The known TF1-era failures are recognised from these.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Exception type names that mean "the network could not be reached", whatever library raised them.
NETWORK_ERRORS = frozenset(
    {
        "URLError",
        "HTTPError",
        "ContentTooShortError",
        "gaierror",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "ConnectionAbortedError",
        "RemoteDisconnected",
        "SSLError",
        "ProxyError",
        "ConnectTimeout",
        "ReadTimeout",
    }
)
NETWORK_MESSAGES = (
    "URL fetch failure",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No route to host",
    "Connection refused",
)

_KEYWORD_ONLY = re.compile(r"Only call `(\w+)` with named arguments")
_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'")
_STACK_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


@dataclass(frozen=True)
class Outcome:
    """How a run ended: ``status`` (ok | failed | timeout), a ``kind`` and a one-line reason."""

    status: str
    kind: str
    reason: str
    line: int | None = None


def classify(
    *,
    exit_code: int | None,
    exception: Mapping[str, Any] | None,
    timed_out: bool,
    timeout: float,
    stack: str = "",
    script: str = "",
) -> Outcome:
    """Classify a finished (or stopped) child run."""
    if timed_out:
        line = stack_line(stack, script)
        where = f" at line {line}" if line else ""
        return Outcome(
            "timeout",
            "timeout",
            f"still running after {timeout:g} s{where}; stopped with its whole process group",
            line,
        )
    if exception is not None:
        return _from_exception(exception)
    if exit_code == 0:
        return Outcome("ok", "ok", "")
    if exit_code is not None and exit_code < 0:
        name = _signal_name(-exit_code)
        return Outcome("failed", "killed", f"killed by {name} (a crash in native code, or OOM)")
    return Outcome("failed", "exit", f"exited with status {exit_code}")


def _from_exception(exception: Mapping[str, Any]) -> Outcome:
    kind_name = str(exception.get("type", "Exception"))
    message = str(exception.get("message", ""))
    line = exception.get("line")
    at = f" (line {line})" if line else ""
    chain: Sequence[Mapping[str, Any]] = [exception, *exception.get("causes", ())]
    missing = _MISSING_MODULE.search(message)

    if "contrib" in message and (
        kind_name in ("AttributeError", "ImportError")
        or (missing and missing.group(1).startswith("tensorflow.contrib"))
    ):
        return Outcome(
            "failed",
            "contrib",
            f"uses tf.contrib{at}, which TensorFlow 2 removed; port that call to its TF 2 home",
            line,
        )
    keyword = _KEYWORD_ONLY.search(message)
    if keyword:
        return Outcome(
            "failed",
            "positional-arguments",
            f"calls {keyword.group(1)} with positional arguments{at}; since TF 1.0 it takes "
            "labels=... and logits=... by keyword (TF 2 would silently swap them)",
            line,
        )
    if "is not available with Keras 3" in message:
        return Outcome(
            "failed",
            "keras3",
            f"{_first_line(message).rstrip('.')}{at}; tf.layers and friends need Keras 2 "
            "(pip install tf_keras, then set TF_USE_LEGACY_KERAS=1)",
            line,
        )
    if any(
        link.get("type") in NETWORK_ERRORS
        or any(text in str(link.get("message", "")) for text in NETWORK_MESSAGES)
        for link in chain
    ):
        return Outcome(
            "failed",
            "network",
            f"could not download its data{at}: {_first_line(message)}; fetch the file on a "
            "machine with access and point the script at the local copy",
            line,
        )
    if kind_name == "ModuleNotFoundError" and missing:
        module = missing.group(1)
        if module.startswith("tensorflow."):
            return Outcome(
                "failed",
                "removed-module",
                f"imports {module}{at}, which TensorFlow 2 no longer ships",
                line,
            )
        return Outcome(
            "failed", "missing-module", f"imports {module}{at}, which is not installed", line
        )
    if kind_name == "SyntaxError" and "print" in message:
        return Outcome("failed", "python2", f"is Python 2 code{at}: {_first_line(message)}", line)
    return Outcome("failed", "error", f"{kind_name}{at}: {_first_line(message)}", line)


def stack_line(stack: str, script: str) -> int | None:
    """The script's line in a faulthandler dump (the innermost frame of the first thread shown).

    faulthandler lists the current thread first, most recent call first.
    """
    for match in _STACK_LINE.finditer(stack):
        if match.group("file") == script:
            return int(match.group("line"))
    return None


def _first_line(message: str, limit: int = 160) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
