"""A tutorial or port whose own code fails: its frames, one line of context, exit 1.

tf1repro's own frames and TensorFlow's start-up notices are the user's noise here; --verbose
brings them back. The tutorials are in tests/data/tutorials/raising.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, run_python

from tf1repro.cli import main

RAISING = ROOT / "tests" / "data" / "tutorials" / "raising.py"


def source_line(text: str) -> int:
    """The line number of ``text`` in raising.py."""
    return RAISING.read_text().splitlines().index(text) + 1


def assert_users_frames_only(err: str, *lines: str) -> None:
    """The traceback names raising.py at each of ``lines`` (in that order) and nothing else."""
    frames = [line.strip() for line in err.splitlines() if line.strip().startswith("File ")]
    assert frames == [
        f'File "{RAISING}", line {source_line(text)}, in {function}'
        for function, text in (line.split(": ", 1) for line in lines)
    ], err
    assert "tf1repro/" not in err.split("error:")[0] and "cuInit" not in err


def test_an_exception_in_the_tutorial_shows_its_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["reproduce", f"{RAISING}:BadData", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert_users_frames_only(
        err, "data:         return lookup({})", 'lookup:     return table["learning_rate"]'
    )
    *_, exception, last = err.splitlines()
    assert exception == "KeyError: 'learning_rate'"
    assert re.fullmatch(
        r"tf1repro reproduce: error: your code raised KeyError \(called from "
        r"tf1repro/backends/loop\.py:\d+ in draw_inputs\); --verbose shows the whole traceback",
        last,
    ), last
    assert not (tmp_path / "out").exists()


def test_sys_exit_in_the_tutorial_is_an_error_not_its_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["reproduce", f"{RAISING}:Exits", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert_users_frames_only(err, "data:         sys.exit(5)")
    assert err.splitlines()[-1].startswith(
        "tf1repro reproduce: error: your code called sys.exit(5)"
    )


def test_verbose_shows_every_frame(tmp_path: Path) -> None:
    # A fresh process: --verbose decides TensorFlow's logging before TensorFlow is imported,
    # which an earlier test of this process may already have done quietly.
    result = run_python(
        "-m",
        "tf1repro",
        "reproduce",
        f"{RAISING}:BadData",
        "--out",
        "out",
        "--verbose",
        cwd=tmp_path,
    )
    err = result.stderr.rstrip("\n")
    assert result.returncode == 1, err
    assert "tf1repro/backends/loop.py" in err and str(RAISING) in err
    assert re.search(r"\(called from tf1repro/backends/loop\.py:\d+ in draw_inputs\)$", err)


def test_tensorflows_notices_are_not_replayed_for_the_users_error(tmp_path: Path) -> None:
    # build_v1 runs while file descriptor 2 is held back; a tf1repro failure would replay
    # TensorFlow's notices, the user's own error does not.
    result = run_python(
        "-m", "tf1repro", "reproduce", f"{RAISING}:BadGraph", "--out", "out", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last; your code only):"
    assert_users_frames_only(result.stderr, 'build_v1:         raise ValueError("no graph today")')
    assert lines[-2] == "ValueError: no graph today"
    assert re.fullmatch(
        r"tf1repro reproduce: error: your code raised ValueError \(called from "
        r"tf1repro/backends/graph\.py:\d+ in built\); --verbose shows the whole traceback",
        lines[-1],
    ), lines[-1]
    assert len(lines) == 5 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["compare"], ["diagnose"]])
def test_a_port_that_raises_in_the_eager_process(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*command, f"{RAISING}:BadPort", "--steps", "3"])
    err = capsys.readouterr().err
    assert code == 1
    assert_users_frames_only(
        err, 'port_v2:         raise RuntimeError("the port is not written yet")'
    )
    assert err.splitlines()[-1].startswith(
        f"tf1repro {command[0]}: error: your code raised RuntimeError (called from "
        "tf1repro/backends/eager.py:"
    )


def test_golden_update_shows_the_tutorials_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["golden", "--update", f"{RAISING}:BadData", "--dir", str(tmp_path / "g")])
    err = capsys.readouterr().err
    assert code == 1
    assert_users_frames_only(
        err, "data:         return lookup({})", 'lookup:     return table["learning_rate"]'
    )
    assert not (tmp_path / "g").exists()


def test_an_error_of_tf1repro_itself_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    # No user frame: a bug of tf1repro, whose whole traceback a bug report needs. (A handler
    # defined here would be a user's frame: `int` raises from C, below tf1repro's frames.)
    from tf1repro.cli import reproduce

    monkeypatch.setattr(reproduce, "handle", int)
    with pytest.raises(TypeError, match="Namespace"):
        main(["reproduce", "--steps", "1"])
