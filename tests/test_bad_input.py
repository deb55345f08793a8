"""Bad input the second reliability audit found accepted or unclearly refused: each is one line
naming the option or field, exit 2, nothing run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT

from tf1repro.cli import main

RAISING = ROOT / "tests" / "data" / "tutorials" / "raising.py"
GOLDEN = sorted((ROOT / "tests" / "golden").glob("[!.]*.json"))[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", ""], "TUTORIAL must be a tutorial name or a path to a .py file; got ''"),
        (["diagnose", "--port", "p.py"], "--port needs --record"),
        (["compare", "--port", "p.py"], "--port needs --record"),
        (["diagnose", "batch", "--record", "{tmp}", "--port", "p.py"], "TUTORIAL 'batch' does "),
        (["compare", "article", "--record", ""], "--record '' is empty; name a run folder"),
        (["compare", "batch", "--record", "{tmp}", "--graph", "1,1"], "distinct ints >= 1"),
        (["compare", "--runs", str(GOLDEN), ""], "--runs '' is empty; name a record file"),
    ],
)
def test_bad_input_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main([part.format(tmp=tmp_path) for part in argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tutorial", "nosuch", "field 'tutorial': must be a built-in tutorial"),
        ("config", {"steps": -1}, "field 'config.steps': must be an int in the range [1, "),
    ],
)
def test_compare_runs_names_the_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: object, message: str
) -> None:
    data = json.loads(GOLDEN.read_text())
    data[field] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["compare", "--runs", str(GOLDEN), str(bad)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"{bad}: {message}" in error, error


def test_a_name_that_is_not_a_tutorial_is_called_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "mine.py"
    source.write_text("class Helper:\n    pass\n\nvalue = 3\n")
    for name, found in [
        ("Helper", "a class that does not subclass Tutorial"),
        ("value", "of type int"),
    ]:
        assert main(["reproduce", f"{source}:{name}", "--out", str(tmp_path / "o")]) == 2
        error = capsys.readouterr().err
        assert f"'{name}' is a Tutorial subclass defined there (it is {found})" in error, error


def test_matrix_report_refuses_empty_names(capsys: pytest.CaptureFixture[str]) -> None:
    from tools.matrix.cli import main as matrix

    samples = str(ROOT / "tests" / "data" / "matrix")
    assert matrix(["report", samples, "--notes", ""]) == 2
    assert "--notes '' is empty; name a Markdown file" in capsys.readouterr().err
    assert matrix(["report", ""]) == 2
    assert "results: '' is empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "advice"),
    [
        (["stochastic", "--target", "1e20"], "feed 'y' reaches 1e+20 at step 1; its square"),
        (["stochastic", "--x-mean", "1e20"], "feed 'x' reaches 1e+20 at step 1; its square"),
        ([f"{RAISING}:NanData"], "the data are not finite (feed 'x' at step "),
        (["stochastic", "--learning-rate", "5"], "lower the learning rate"),
    ],
)
def test_a_divergence_blames_the_data_when_they_are_at_fault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], advice: str
) -> None:
    assert main(["reproduce", *argv, "--out", str(tmp_path / "out")]) == 3
    error = capsys.readouterr().err
    assert advice in error, error
    assert ("learning rate" in error) == ("--learning-rate" in argv), error


def test_study_names_only_options_its_help_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["study", "--batch-sizes", "100000000", "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    named = set(re.findall(r"--[a-z][a-z-]*", error))
    assert {"--steps", "--batch-sizes"} <= named, error
    with pytest.raises(SystemExit):
        main(["study", "--help"])
    help_text = capsys.readouterr().out
    assert all(f"  {option} " in help_text for option in named), (named, help_text)
