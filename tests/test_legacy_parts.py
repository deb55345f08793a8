"""The pure parts of ``tf1repro legacy``: failure classification and the number-by-number diff."""

from __future__ import annotations

import math

import pytest

from tf1repro.legacy.classify import classify, stack_line
from tf1repro.legacy.logdiff import NUMBER, diff_logs, relative_difference


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
        '  File "/tutorials/queue.py", line 12 in <module>\n'
        '  File "<frozen runpy>", line 88 in _run_code\n'
    )
    assert stack_line(stack, "/tutorials/queue.py") == 12
    assert stack_line(stack, "/tutorials/other.py") is None
    result = classify(
        exit_code=None,
        exception=None,
        timed_out=True,
        timeout=2.5,
        stack=stack,
        script="/tutorials/queue.py",
    )
    assert (result.status, result.line) == ("timeout", 12)
    assert result.reason.startswith("still running after 2.5 s at line 12")


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
