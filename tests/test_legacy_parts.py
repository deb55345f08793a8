"""The pure parts of ``tf1repro legacy``: failure classification, the number-by-number diff and
the run settings."""

from __future__ import annotations

import math

import pytest

from tf1repro.errors import ParameterError
from tf1repro.legacy.classify import classify, decisive_line, stack_line
from tf1repro.legacy.logdiff import NUMBER, diff_logs, relative_difference
from tf1repro.legacy.settings import MAX_TIMEOUT, RunSettings


def outcome_of(exception: dict[str, object]) -> tuple[str, str, int | None]:
    result = classify(exit_code=1, exception=exception, timed_out=False, timeout=10)
    return result.status, result.kind, result.line


@pytest.mark.parametrize(
    ("exception", "kind"),
    [
        ({"type": "AttributeError", "message": "module 'x' has no attribute 'contrib'"}, "contrib"),
        (
            {"type": "ModuleNotFoundError", "message": "No module named 'tensorflow.contrib'"},
            "contrib",
        ),
        (
            {"type": "ImportError", "message": "cannot import name 'contrib' from 'tensorflow'"},
            "contrib",
        ),
        (
            {
                "type": "ValueError",
                "message": "Only call `sigmoid_cross_entropy_with_logits` with "
                "named arguments (labels=..., logits=..., ...)",
            },
            "positional-arguments",
        ),
        (
            {"type": "URLError", "message": "<urlopen error [Errno -2] Name or service not known>"},
            "network",
        ),
        (
            {
                "type": "Exception",
                "message": "URL fetch failure on https://x/y.npz: None",
                "causes": [{"type": "URLError", "message": "refused"}],
            },
            "network",
        ),
        (
            {"type": "ModuleNotFoundError", "message": "No module named 'tensorflow.examples'"},
            "removed-module",
        ),
        ({"type": "ModuleNotFoundError", "message": "No module named 'sklearn'"}, "missing-module"),
        ({"type": "SyntaxError", "message": "Missing parentheses in call to 'print'"}, "python2"),
        ({"type": "AttributeError", "message": "`dense` is not available with Keras 3."}, "keras3"),
        (
            {"type": "AttributeError", "message": "'Tensor' object has no attribute 'eval2'"},
            "error",
        ),
    ],
)
def test_failures_are_classified(exception: dict[str, object], kind: str) -> None:
    assert outcome_of({**exception, "line": 7}) == ("failed", kind, 7)
    reason = classify(exit_code=1, exception={**exception, "line": 7}, timed_out=False, timeout=1)
    assert "line 7" in reason.reason and "\n" not in reason.reason


def test_exit_codes_and_signals() -> None:
    ok = classify(exit_code=0, exception=None, timed_out=False, timeout=1)
    assert (ok.status, ok.kind, ok.reason) == ("ok", "ok", "")
    exited = classify(exit_code=4, exception=None, timed_out=False, timeout=1)
    assert (exited.kind, exited.reason) == ("exit", "exited with status 4")
    killed = classify(exit_code=-11, exception=None, timed_out=False, timeout=1)
    assert killed.kind == "killed" and "SIGSEGV" in killed.reason


def test_timeout_line_comes_from_the_stack_dump() -> None:
    stack = (
        "Current thread 0x00007f (most recent call first):\n"
        '  File "/lib/tensorflow/session.py", line 1480 in _call_tf_sessionrun\n'
        '  File "/run/work/helpers.py", line 3 in wait\n'
        '  File "/run/work/queue.py", line 12 in <module>\n'
        '  File "<frozen runpy>", line 88 in _run_code\n'
    )
    assert stack_line(stack, "/run/work") == ("helpers.py", 3)
    assert stack_line(stack, "/elsewhere") == (None, None)
    result = classify(
        exit_code=None,
        exception=None,
        timed_out=True,
        timeout=2.5,
        stack=stack,
        folder="/run/work",
    )
    assert (result.status, result.line, result.file) == ("timeout", 3, "helpers.py")
    assert result.reason.startswith("still running after 2.5 s at helpers.py line 3")


#: TensorFlow 2.21's message for a shape error in a compat.v1 Session (paths shortened).
GRAPH_ERROR = """Graph execution error:

Detected at node 'add' defined at (most recent call last):
    File "/tutorial/tferr.py", line 4, in <module>
Node: 'add'
Incompatible shapes: [2] vs. [3]
\t [[{{node add}}]]

Original stack trace for 'add':
  File "/tutorial/tferr.py", line 4, in <module>
"""

ROOT_ERRORS = """2 root error(s) found.
  (0) INVALID_ARGUMENT: You must feed a value for placeholder tensor 'x' with dtype float
\t [[{{node x}}]]
  (1) CANCELLED: Function was cancelled before it was started
0 successful operations."""


def test_decisive_line_of_tensorflow_errors() -> None:
    assert decisive_line(GRAPH_ERROR) == "Incompatible shapes: [2] vs. [3]"
    assert decisive_line(ROOT_ERRORS) == (
        "INVALID_ARGUMENT: You must feed a value for placeholder tensor 'x' with dtype float"
    )
    assert decisive_line("plain message\nsecond line") == "plain message"
    error = classify(
        exit_code=1,
        exception={"type": "InvalidArgumentError", "message": GRAPH_ERROR, "line": 6},
        timed_out=False,
        timeout=1,
    )
    assert error.reason == "InvalidArgumentError (line 6): Incompatible shapes: [2] vs. [3]"


@pytest.mark.parametrize(
    ("exception", "output", "kind", "says"),
    [
        ({"type": "EOFError", "message": "EOF when reading a line"}, "", "interactive", "stdin"),
        (
            {"type": "AttributeError", "message": "module 'urllib' has no attribute 'urlretrieve'"},
            "",
            "python2",
            "urlretrieve",
        ),
        ({"type": "NameError", "message": "name 'xrange' is not defined"}, "", "python2", "xrange"),
        (
            {"type": "ModuleNotFoundError", "message": "No module named 'cPickle'"},
            "",
            "python2",
            "cPickle",
        ),
        (
            {
                "type": "FileNotFoundError",
                "message": "[Errno 2] No such file or directory: 'x/d.csv'",
            },
            "Cloning into 'x'...\nfatal: unable to access 'https://github.com/a/b/': Could not "
            "resolve host: github.com\n",
            "network",
            "Could not resolve host: github.com",
        ),
        (
            {
                "type": "FileNotFoundError",
                "message": "[Errno 2] No such file or directory: 'vgg.mat'",
            },
            "",
            "missing-data",
            "'vgg.mat'",
        ),
        (
            {
                "type": "LookupError",
                "message": "\n****\n  Resource stopwords not found.\n  Please use the NLTK "
                "Downloader to obtain the resource:",
            },
            "",
            "missing-data",
            "nltk.download('stopwords')",
        ),
        (
            {
                "type": "AttributeError",
                "message": "module 'tensorflow' (tf.compat.v1) has no attribute 'estimator'",
            },
            "",
            "removed-api",
            "removed in TensorFlow 2.16",
        ),
        (
            {
                "type": "NoStandIn",
                "message": "tf.contrib.learn.preprocessing was removed with tf.contrib and has "
                "no faithful stand-in; port this call",
            },
            "",
            "contrib",
            "tf.contrib.learn.preprocessing",
        ),
        (
            {
                "type": "InvalidArgumentError",
                "message": "Cannot assign a device for operation mul: {{node mul}} was "
                "explicitly assigned to /device:GPU:0",
            },
            "",
            "device",
            "--soft-placement",
        ),
        (
            {
                "type": "DownloadNeeded",
                "message": "MNIST files not found: a, b in /d; Put the four files a, b, c, d in /d",
            },
            "",
            "network",
            "Put the four files a, b, c, d in /d",
        ),
        (
            {
                "type": "ImportError",
                "message": "cannot import name 'learn' from 'tensorflow.contrib' "
                "(unknown location)",
            },
            "",
            "contrib",
            "uses tf.contrib.learn (helper.py line 4), which TensorFlow 2 removed and nothing "
            "stands in for; port its parts: preprocessing.VocabularyProcessor to "
            "tf.keras.layers.TextVectorization",
        ),
        (
            {
                "type": "TypeError",
                "message": "reshape() got an unexpected keyword argument 'newshape'",
            },
            "",
            "numpy2",
            "numpy<2",
        ),
        (
            {"type": "AttributeError", "message": "module 'numpy' has no attribute 'float'"},
            "",
            "numpy2",
            "NumPy 2 removed",
        ),
        (
            # The cookbook's MNIST CNN: target_size = np.max(uint8 labels) + 1, then [target_size].
            {
                "type": "TypeError",
                "message": "Value passed to parameter 'shape' has DataType uint8 not in list of "
                "allowed values: int32, int64",
            },
            "",
            "numpy2",
            "a uint8 value plus a Python int stays uint8 (NumPy 1 made it int64)",
        ),
        (
            {"type": "ModuleNotFoundError", "message": "No module named 'cv2'"},
            "",
            "missing-module",
            "pip install opencv-python",
        ),
        (
            {
                "type": "InvalidArgumentError",
                "message": "Graph execution error:\n\nDetected at node 'y'\nYou must feed a value "
                "for placeholder tensor 'x' with dtype float\n\t [[{{node x}}]]",
                "raised_in": "tensorflow.python.client.session",
            },
            "",
            "script-error",
            "You must feed a value for placeholder tensor 'x' with dtype float; a placeholder",
        ),
        (
            {
                "type": "FailedPreconditionError",
                "message": "Attempting to use uninitialized value w\n\t [[{{node w/read}}]]",
                "raised_in": "tensorflow.python.client.session",
            },
            "",
            "script-error",
            "global_variables_initializer",
        ),
    ],
)
def test_failure_classes_say_what_to_do(
    exception: dict[str, object], output: str, kind: str, says: str
) -> None:
    result = classify(
        exit_code=1,
        exception={**exception, "line": 4, "file": "helper.py"},
        timed_out=False,
        timeout=1,
        output=output,
    )
    assert (result.kind, result.line, result.file) == (kind, 4, "helper.py")
    assert says in result.reason and "(helper.py line 4)" in result.reason
    assert "\n" not in result.reason


def test_a_script_mistake_is_one_that_tensorflow_itself_rejects() -> None:
    saver = {
        "type": "ValueError",
        "message": "No variables to save",
        "line": 44,
        "file": "tips.py",
        "code": "saver = tf.train.Saver()",
        "raised_in": "tensorflow.python.training.saver",
    }
    result = classify(exit_code=1, exception=saver, timed_out=False, timeout=1)
    assert (result.kind, result.file, result.line) == ("script-error", "tips.py", 44)
    assert result.reason == (
        "the script's own mistake, which TensorFlow 1.x rejects too (tips.py line 44: saver = "
        "tf.train.Saver()): ValueError: No variables to save; tf.train.Saver() was built before "
        "any variable it could save; build the model's variables first"
    )
    # The same words raised by the script's own code, or an unknown message raised by
    # TensorFlow, may come from the move to TF 2: left an error.
    own = classify(
        exit_code=1, exception={**saver, "raised_in": "__main__"}, timed_out=False, timeout=1
    )
    other = classify(
        exit_code=1,
        exception={**saver, "message": "Shapes must be equal rank"},
        timed_out=False,
        timeout=1,
    )
    assert (own.kind, other.kind) == ("error", "error")


def test_a_placeholder_data_path_is_missing_data() -> None:
    source = (
        "import os\n\nDATASET_PATH = '/path/to/dataset/'  # set this\nnext(os.walk(DATASET_PATH))\n"
    )
    result = classify(
        exit_code=1,
        exception={"type": "StopIteration", "message": "", "line": 4, "file": "s.py"},
        timed_out=False,
        timeout=1,
        source=source,
    )
    assert result.kind == "missing-data"
    assert "placeholder path '/path/to/dataset/' (script line 3)" in result.reason
    # Without the placeholder, an empty StopIteration stays an error.
    plain = classify(
        exit_code=1, exception={"type": "StopIteration", "message": ""}, timed_out=False, timeout=1
    )
    assert plain.kind == "error"


def test_a_client_that_exits_after_a_network_failure() -> None:
    result = classify(
        exit_code=128,
        exception=None,
        timed_out=False,
        timeout=1,
        output="fatal: unable to access 'https://x/': Could not resolve host: x\n",
    )
    assert result.kind == "network" and "Could not resolve host: x" in result.reason


def test_numbers_as_numpy_prints_them() -> None:
    assert NUMBER.findall("Step #5 A = [[ 2.34371352]]") == ["5", "2.34371352"]
    assert NUMBER.findall("loss 1e-05 -3.5E+2 .5 7.") == ["1e-05", "-3.5E+2", ".5", "7."]
    assert NUMBER.findall("[nan -inf] info nano") == ["nan", "-inf"]


def test_relative_difference() -> None:
    assert relative_difference(2.0, 2.0) == 0.0
    assert relative_difference(math.nan, math.nan) == 0.0
    assert relative_difference(1.0, math.inf) == math.inf
    assert relative_difference(10.0, 9.0) == pytest.approx(0.1, rel=1e-15)
    assert relative_difference(0.0, -1e-30) == 1.0


def test_diff_logs() -> None:
    a = ["Step #5 A = [1.5]", "Loss = 2.0", "done"]
    same = diff_logs(a, list(a))
    assert (same.lines, same.numbers, same.worst, same.text_mismatch) == (3, 3, None, None)
    assert same.identical_within(0.0)

    changed = diff_logs(a, ["Step #5 A = [1.5]", "Loss = 2.2", "done"])
    assert changed.worst is not None and changed.worst.line == 2
    assert changed.worst.relative == pytest.approx(0.2 / 2.2, rel=1e-12)
    assert not changed.identical_within(0.09) and changed.identical_within(0.1)

    reworded = diff_logs(a, ["Step #5 B = [1.5]", "Loss = 2.0", "done"])
    assert reworded.text_mismatch is not None and reworded.text_mismatch.startswith("line 1 ")
    assert not reworded.identical_within(1.0)


def test_run_settings_store_plain_checked_values() -> None:
    settings = RunSettings(seed=3, timeout=60, jobs=2)
    assert (settings.seed, settings.timeout, settings.jobs) == (3, 60.0, 2)
    assert type(settings.timeout) is float  # the run records hold 60.0 however it was passed
    assert RunSettings(timeout=MAX_TIMEOUT).timeout == MAX_TIMEOUT
    assert settings.replace(fresh=True) == RunSettings(seed=3, timeout=60.0, jobs=2, fresh=True)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("seed", -1, "an int in the range [0, 4294967295]"),
        ("seed", True, "an int in the range [0, 4294967295]"),
        ("timeout", 0, "a number of seconds > 0 and <= 604800 (one week)"),
        ("timeout", MAX_TIMEOUT * (1 + 1e-15), "a number of seconds > 0 and <= 604800 (one week)"),
        ("timeout", math.inf, "a number of seconds > 0 and <= 604800 (one week)"),
        ("timeout", "60", "a number of seconds > 0 and <= 604800 (one week)"),
        ("jobs", 0, "an int in the range [1, inf)"),
        ("jobs", 2.0, "an int in the range [1, inf)"),
        ("strict", 1, "true or false"),
        ("soft_placement", "yes", "true or false"),
        ("fresh", None, "true or false"),
        ("fetch", "yes", "true or false"),
        ("fetch", True, "False unless data_cache names a folder to fill"),
    ],
)
def test_run_settings_refuse_what_the_options_refuse(
    field: str, value: object, allowed: str
) -> None:
    with pytest.raises(ParameterError) as refused:
        RunSettings(**{field: value})  # type: ignore[arg-type]
    assert (refused.value.name, refused.value.value, refused.value.allowed) == (
        field,
        value,
        allowed,
    )
    with pytest.raises(ParameterError):  # replace checks again
        RunSettings().replace(**{field: value})
