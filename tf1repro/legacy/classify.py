"""Why a legacy script did not run to the end, in one line a user can act on.

The child reports an uncaught exception as its type, message, the chain of causes, the file,
line and source text of the script's own code where it happened (the innermost frame in the
script or in a helper module beside it) and the module that raised it; a timeout comes with the
stack the child dumped when it was stopped.
The known TF1-era failures are recognised from these, and from what the script printed (clients
such as git report a network failure there). Every kind but ``error`` says what to do; ``error``
is what is left, with the decisive line of the message.
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
    "Could not resolve host",
    "Failed to establish a new connection",
    "Max retries exceeded",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No route to host",
    "Connection refused",
)

#: Network failures that clients (git, pip, curl...) print rather than raise.
NETWORK_OUTPUT = (
    "Could not resolve host",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Failed to establish a new connection",
    "Network is unreachable",
)

#: Python 2 names that Python 3 removed, as NameError reports them.
PYTHON2_NAMES = frozenset(
    {
        "xrange",
        "raw_input",
        "unicode",
        "unichr",
        "long",
        "basestring",
        "execfile",
        "file",
        "reduce",
        "cmp",
        "reload",
    }
)
#: Python 2 modules that Python 3 renamed.
PYTHON2_MODULES = frozenset(
    {
        "urllib2",
        "cPickle",
        "StringIO",
        "cStringIO",
        "Queue",
        "ConfigParser",
        "httplib",
        "urlparse",
        "HTMLParser",
        "commands",
        "Tkinter",
        "__builtin__",
    }
)
#: ``module.name`` attributes that only Python 2 had (``urllib.urlretrieve``...).
_PYTHON2_ATTRIBUTE = re.compile(
    r"module '(urllib|string|os|itertools|sys)' has no attribute '(\w+)'"
    r"|'dict' object has no attribute '(iteritems|iterkeys|itervalues|has_key)'"
)

#: Import names whose pip distribution is named otherwise.
PIP_NAMES = {
    "cv2": "opencv-python",
    "sklearn": "scikit-learn",
    "PIL": "Pillow",
    "skimage": "scikit-image",
    "yaml": "PyYAML",
    "git": "GitPython",
    "bs4": "beautifulsoup4",
    "tf_keras": "tf-keras",
    "tf_slim": "tf-slim",
    "tensorflow_serving": "tensorflow-serving-api",
}

#: What the user does about an API TensorFlow removed for good, besides running an older
#: release (which ``removals`` names, measured).
GONE_FOR_GOOD = {
    "estimator": "nothing stands in for it; port the model to Keras",
}

#: What to port the ``tf.contrib`` parts that TensorFlow 2.0 dropped for good to.
CONTRIB_GONE_FOR_GOOD = {
    "tf.contrib.learn": "port its parts: preprocessing.VocabularyProcessor to "
    "tf.keras.layers.TextVectorization, its estimators to Keras models",
}

#: TensorFlow's messages when an op is pinned to a device this machine does not have.
DEVICE_MESSAGES = (
    "Could not satisfy explicit device specification",
    "Cannot assign a device for operation",
    "was explicitly assigned to /device:GPU",
    "explicitly assigned to /device:GPU",
)

#: TensorFlow's own checks that reject a mistake in the script, raised alike by TF 1.x: message
#: -> what the script gets wrong. Only these, and only when TensorFlow's code raised them; any
#: other error TensorFlow raises may come from the move to TF 2 and stays an ``error``.
SCRIPT_MISTAKES = {
    "No variables to save": "tf.train.Saver() was built before any variable it could save; "
    "build the model's variables first",
    "You must feed a value for placeholder tensor": "a placeholder the fetched tensors need is "
    "missing from feed_dict",
    "Attempting to use uninitialized value": "a variable is read before it was initialised; run "
    "tf.global_variables_initializer() after building every variable",
}

#: Exceptions that mean "a file the script opens is not there".
FILE_ERRORS = frozenset({"FileNotFoundError", "NotFoundError", "OSError", "IOError"})

_KEYWORD_ONLY = re.compile(r"Only call `(\w+)` with named arguments")
_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'")
_MISSING_NAME = re.compile(r"name '(\w+)' is not defined")
_TF_ATTRIBUTE = re.compile(r"module 'tensorflow' \(tf\.compat\.v1\) has no attribute '(\w+)'")
#: NumPy 1.x names TF1 scripts used that NumPy 2 removed (np.float, np.asscalar, newshape=...).
_NUMPY_REMOVED = re.compile(
    r"module 'numpy' has no attribute '\w+'|unexpected keyword argument 'newshape'"
)
#: A small NumPy integer where TensorFlow takes int32/int64 (a shape, a size): NumPy 2's promotion
#: (NEP 50) keeps ``np.max(uint8_labels) + 1`` uint8, where NumPy 1 made it int64.
_NUMPY_PROMOTION = re.compile(
    r"has DataType (u?int8|u?int16|uint32) not in list of allowed values: int32, int64\b"
)
#: A data path left for the reader to fill in, as tutorials write it.
_PLACEHOLDER_PATH = re.compile(r"""['"](/path/to/[^'"]*)['"]""")
#: What reading from a folder or file that is not there raises (``next(os.walk(...))``...).
PLACEHOLDER_ERRORS = frozenset({"StopIteration", "IndexError", *FILE_ERRORS})
_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from '(tensorflow\.contrib[\w.]*)'")
_CONTRIB_NAME = re.compile(r"(tf\.contrib(?:\.\w+)+)")
_NLTK_RESOURCE = re.compile(r"Resource (\S+) not found")
_STACK_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
#: The lines of a TensorFlow error message that frame the cause rather than state it.
_TF_FRAMING = re.compile(
    r"^(Graph execution error:|Detected at node|Node:|\d+ root error\(s\) found\.|"
    r"\s*\[\[|Original stack trace|Errors may have originated|File \"|\s+File \"|"
    r"\(\d+\) \w+: .*\}\}$|During handling|Caused by op|defined at)"
)
_TF_ROOT_ERROR = re.compile(r"^\s*\(\d+\) (\w+: .+)$")
#: A TensorFlow version's major and minor numbers (``2.16.0rc0``, ``2.23.0.dev20260101``).
_RELEASE_NUMBER = re.compile(r"(\d+)\.(\d+)")


@dataclass(frozen=True)
class Outcome:
    """How a run ended: ``status`` (ok | failed | timeout), a ``kind`` and a one-line reason."""

    status: str
    kind: str
    reason: str
    line: int | None = None
    file: str | None = None
    """The file (relative to the script's folder) holding ``line``: the script or a helper."""


def classify(
    *,
    exit_code: int | None,
    exception: Mapping[str, Any] | None,
    timed_out: bool,
    timeout: float,
    stack: str = "",
    folder: str = "",
    output: str = "",
    source: str = "",
    refused: tuple[str, str] | None = None,
    tensorflow: str = "",
) -> Outcome:
    """Classify a finished (or stopped) child run.

    ``folder`` is the folder the script ran from (to find its frames in ``stack``); ``output``
    what the script printed (clients such as git print their network failures there);
    ``source`` the script's text (a placeholder data path in it explains a missing file);
    ``refused`` the first download the data cache refused, as (class, reason): a script that
    failed after one failed for it, whatever it made of the error (``not-cached``,
    ``hash-mismatch``, or ``network`` when ``--fetch`` could not download it).
    ``tensorflow`` the version it ran on ('' when unknown): an API it lacks is told to be in an
    older release only when that release is older than this one.
    """
    if timed_out:
        file, line = stack_line(stack, folder)
        where = f" at {file} line {line}" if line else ""
        return Outcome(
            "timeout",
            "timeout",
            f"still running after {timeout:g} s{where}; stopped with its whole process group",
            line,
            file,
        )
    if refused is not None and (exception is not None or exit_code != 0):
        line, file = (exception.get("line"), exception.get("file")) if exception else (None, None)
        at = f" ({file} line {line})" if line and file else ""
        kind, reason = refused
        return Outcome("failed", kind, f"{reason}{at}", line, file)
    if exception is not None:
        outcome = _from_exception(exception, output, source, tensorflow)
        return Outcome(outcome.status, outcome.kind, outcome.reason, outcome.line, outcome.file)
    if exit_code == 0:
        return Outcome("ok", "ok", "")
    if exit_code is not None and exit_code < 0:
        name = _signal_name(-exit_code)
        return Outcome("failed", "killed", f"killed by {name} (a crash in native code, or OOM)")
    if _network_output(output):
        return Outcome(
            "failed", "network", f"exited with status {exit_code} after {_network_output(output)}"
        )
    return Outcome("failed", "exit", f"exited with status {exit_code}")


def _network_output(output: str) -> str:
    """The first line of ``output`` that reports a network failure, or ''."""
    for line in output.splitlines():
        if any(text in line for text in NETWORK_OUTPUT):
            return _first_line(line.strip(), 120)
    return ""


def decisive_line(message: str, limit: int = 200) -> str:
    """The line of an error message that states the cause.

    TensorFlow wraps a failed op in framing ("Graph execution error:", "Detected at node ...",
    the Python stack where the op was made, "[[{{node x}}]]", "2 root error(s) found."); the
    cause is the first line that is none of these, e.g. "Incompatible shapes: [2] vs. [3]".
    """
    lines = [line for line in message.strip().splitlines() if line.strip()]
    for line in lines:
        root = _TF_ROOT_ERROR.match(line)
        if root:
            return _first_line(root.group(1), limit)
        if not _TF_FRAMING.match(line) and not line.startswith("  "):
            return _first_line(line.strip(), limit)
    return _first_line(message, limit)


def _from_exception(
    exception: Mapping[str, Any], output: str, source: str = "", tensorflow: str = ""
) -> Outcome:
    kind_name = str(exception.get("type", "Exception"))
    message = str(exception.get("message", ""))
    line = exception.get("line")
    file = exception.get("file")
    at = f" ({file} line {line})" if line and file else (f" (line {line})" if line else "")
    chain: Sequence[Mapping[str, Any]] = [exception, *exception.get("causes", ())]
    decisive = decisive_line(message)

    def failed(kind: str, reason: str) -> Outcome:
        return Outcome("failed", kind, reason, line, file)

    missing = _MISSING_MODULE.search(message)
    if kind_name == "DownloadNeeded":
        return failed("network", f"needs a download{at}: {decisive_line(message, 600)}")
    contrib = _CONTRIB_NAME.search(message)
    if "contrib" in message and (
        kind_name in ("AttributeError", "ImportError", "ModuleNotFoundError", "NoStandIn")
        or (missing and missing.group(1).startswith("tensorflow.contrib"))
    ):
        named = _CANNOT_IMPORT.search(message)
        if named:  # `from tensorflow.contrib import learn`
            name = f"tf.{named.group(2).removeprefix('tensorflow.')}.{named.group(1)}"
        else:
            name = contrib.group(1) if contrib else "tf.contrib"
        # The stand-in served tensorflow.contrib, so a name it cannot import has no stand-in.
        served_contrib = named is not None and named.group(2) == "tensorflow.contrib"
        unserved = (
            " and nothing stands in for"
            if "no faithful stand-in" in message or served_contrib
            else ""
        )
        gone = next(
            (
                advice
                for part, advice in CONTRIB_GONE_FOR_GOOD.items()
                if name == part or name.startswith(f"{part}.")
            ),
            "port that call to its TF 2 home",
        )
        return failed(
            "contrib",
            f"uses {name}{at}, which TensorFlow 2 removed{unserved}; {gone}{_never('contrib')}",
        )
    removed = _TF_ATTRIBUTE.search(message)
    if removed:
        name = removed.group(1)
        older = _older_release(name, tensorflow)
        advice = GONE_FOR_GOOD.get(
            name, "" if older else "it is not in this release's tf.compat.v1"
        )
        return failed(
            "removed-api", f"uses tf.{name}{at}: " + "; ".join(filter(None, [older, advice]))
        )
    keyword = _KEYWORD_ONLY.search(message)
    if keyword:
        return failed(
            "positional-arguments",
            f"calls {keyword.group(1)} with positional arguments{at}; since TF 1.0 it takes "
            "labels=... and logits=... by keyword (TF 2 would silently swap them)",
        )
    if "is not available with Keras 3" in message:
        return failed(
            "keras3",
            f"{_first_line(message).rstrip('.')}{at}; tf.layers and friends need Keras 2: "
            "pip install the tf-keras release matching TensorFlow (tf1repro[legacy])",
        )
    if any(text in message for text in DEVICE_MESSAGES):
        return failed(
            "device",
            f"pins an op to a device this machine lacks{at}: {decisive}; rerun with "
            "--soft-placement to place it on the CPU",
        )
    mistake = _script_mistake(exception, message)
    if mistake:
        code = str(exception.get("code") or "")
        call = f": {code}" if code else ""
        where = f" ({file} line {line}{call})" if line and file else at
        return failed(
            "script-error",
            f"the script's own mistake, which TensorFlow 1.x rejects too{where}: {kind_name}: "
            f"{decisive}; {mistake}",
        )
    if any(
        link.get("type") in NETWORK_ERRORS
        or any(text in str(link.get("message", "")) for text in NETWORK_MESSAGES)
        for link in chain
    ):
        return failed(
            "network",
            f"could not download its data{at}: {decisive}; fetch the file on a machine with "
            "access and point the script at the local copy",
        )
    if kind_name == "EOFError" and "reading a line" in message:
        return failed(
            "interactive",
            f"waits for keyboard input{at} and its stdin is empty: write the answers in a file, "
            "one per line, and pass it with --stdin FILE",
        )
    numpy = _NUMPY_REMOVED.search(message)
    if numpy and kind_name in ("AttributeError", "TypeError"):
        return failed(
            "numpy2",
            f"uses a NumPy API that NumPy {_numpy_version(exception)} removed{at}: {decisive}; "
            "port the call, or run in an environment with numpy<2",
        )
    promoted = _NUMPY_PROMOTION.search(message)
    if promoted and kind_name == "TypeError":
        small = promoted.group(1)
        return failed(
            "numpy2",
            f"passes a NumPy {small} where TensorFlow takes int32 or int64{at}: {decisive}; most "
            f"likely NumPy 2's promotion rules, under which a {small} value plus a Python int "
            f"stays {small} (NumPy 1 made it int64): wrap the value in int(...), or run in an "
            "environment with numpy<2",
        )
    python2 = _python2(kind_name, message, missing)
    if python2:
        return failed("python2", f"is Python 2 code{at}: {python2}")
    if kind_name == "ModuleNotFoundError" and missing:
        module = missing.group(1)
        if module.startswith("tensorflow."):
            return failed(
                "removed-module", f"imports {module}{at}, which TensorFlow 2 no longer ships"
            )
        top = module.partition(".")[0]
        return failed(
            "missing-module",
            f"imports {module}{at}, which is not installed (pip install {PIP_NAMES.get(top, top)})",
        )
    network = _network_output(output)
    if network and kind_name in FILE_ERRORS:
        return failed(
            "network",
            f"could not download its data{at}: {network}; then {kind_name}: {decisive}",
        )
    placeholder = _PLACEHOLDER_PATH.search(source)
    if placeholder and kind_name in PLACEHOLDER_ERRORS:
        return failed(
            "missing-data",
            f"reads its data from the placeholder path {placeholder.group(1)!r} (script line "
            f"{source.count(chr(10), 0, placeholder.start()) + 1}), which is not there: set it "
            f"to your copy of the data; then {kind_name}{at}",
        )
    data = _missing_data(kind_name, message)
    if data:
        return failed("missing-data", f"{data}{at}")
    if network:
        return failed("network", f"{kind_name}{at} after a failed download: {network}")
    return failed("error", f"{kind_name}{at}: {decisive}")


def _older_release(name: str, tensorflow: str) -> str:
    """Which release still has ``tf.<name>``, measured (see ``removals``), when the release the
    script ran on (``tensorflow``; '' when unknown) is a later one; else ''."""
    from tf1repro.legacy.removals import table

    removal = table().removal(name)
    ran_on = _RELEASE_NUMBER.match(tensorflow)
    if removal is None or (ran_on and _minor(ran_on) < _minor(removal.removed_in)):
        return ""
    return f"removed in TensorFlow {removal.removed_in}; runs with --tensorflow {removal.last}"


def _never(name: str) -> str:
    """That no measured release has ``tf.<name>``, so ``--tensorflow`` cannot help; or ''."""
    from tf1repro.legacy.removals import table

    measured = table()
    if name not in measured.never:
        return ""
    first, last = measured.releases[0], measured.releases[-1]
    return f"; no release from {first} to {last} has tf.{name}, whatever --tensorflow"


def _minor(version: str | re.Match[str]) -> tuple[int, int]:
    """``2.15.1``, ``2.16.0rc0`` or a match of ``_RELEASE_NUMBER`` as ``(2, 15)``, ``(2, 16)``."""
    match = _RELEASE_NUMBER.match(version) if isinstance(version, str) else version
    assert match is not None, version
    return int(match.group(1)), int(match.group(2))


def _script_mistake(exception: Mapping[str, Any], message: str) -> str:
    """What the script gets wrong, when one of TensorFlow's own checks rejected it, or ''."""
    if not str(exception.get("raised_in", "")).startswith("tensorflow"):
        return ""
    for text, mistake in SCRIPT_MISTAKES.items():
        if text in message:
            return mistake
    return ""


def _numpy_version(exception: Mapping[str, Any]) -> str:
    version = str(exception.get("numpy", ""))
    return version or "2"


def _python2(kind_name: str, message: str, missing: re.Match[str] | None) -> str:
    """Why this looks like Python 2 code, or ''."""
    if kind_name in ("SyntaxError", "TabError") and (
        "print" in message
        or "Missing parentheses" in message
        or "inconsistent use of tabs" in message
    ):
        return _first_line(message)
    name = _MISSING_NAME.search(message)
    if kind_name == "NameError" and name and name.group(1) in PYTHON2_NAMES:
        return f"{name.group(1)} is a Python 2 builtin"
    if kind_name == "ModuleNotFoundError" and missing and missing.group(1) in PYTHON2_MODULES:
        return f"{missing.group(1)} is a Python 2 module"
    attribute = _PYTHON2_ATTRIBUTE.search(message)
    if kind_name == "AttributeError" and attribute:
        return f"{_first_line(message)} (a Python 2 API)"
    return ""


def _missing_data(kind_name: str, message: str) -> str:
    """What data the script expected on disk and did not find, or ''."""
    resource = _NLTK_RESOURCE.search(message)
    if kind_name == "LookupError" and resource:
        return (
            f"needs NLTK data {resource.group(1)}, which is not installed (run nltk.download"
            f"({resource.group(1)!r}) on a machine with network access)"
        )
    if kind_name in FILE_ERRORS and (
        "No such file or directory" in message or kind_name == "FileNotFoundError"
    ):
        return (
            f"opens a file that is not there, to be put in place by hand: {decisive_line(message)}"
        )
    return ""


def stack_line(stack: str, folder: str) -> tuple[str | None, int | None]:
    """The innermost frame of the script's own code in a faulthandler dump: (file, line).

    faulthandler lists the current thread first, most recent call first; ``file`` is relative
    to ``folder``.
    """
    prefix = folder.rstrip("/") + "/"
    for match in _STACK_LINE.finditer(stack):
        path = match.group("file")
        if folder and path.startswith(prefix):
            return path[len(prefix) :], int(match.group("line"))
    return None, None


def _first_line(message: str, limit: int = 160) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
