"""``legacy check/matrix --shard I/N`` and ``legacy merge``: N shards put back together print
what one unsharded run prints.

The fast tests use small scripts that import no TensorFlow (each child well under a second);
the corpus test (slow) runs tests/legacy_corpus whole and in three shards.
"""

from __future__ import annotations

import json
import re
import stat
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from tf1repro.cli import main
from tf1repro.legacy.shards import Shard, parse_shard

CORPUS = ROOT / "tests" / "legacy_corpus"


def _no_seconds(text: str) -> str:
    """A check table with its seconds column blanked: wall time is the one field two runs of
    the same script never share; everything else must be equal character for character."""
    # The padding goes too: a run of 10 s or more takes one more character than 9.9 s.
    return re.sub(r"(?m)^(\S+ +\S+) +\d+\.\d", r"\1 S", text)


def _records(text: str) -> list[dict[str, object]]:
    records: list[dict[str, object]] = json.loads(text)
    for record in records:
        record.pop("seconds")
    return records


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.py").write_text("print('loss', 0.5)\n")
    (folder / "b.py").write_text("x = 1\nraise ValueError('no luck')\n")
    (folder / "sub" / "c.py").write_text("import os\nprint('loss', 0.25)\n")
    return folder


#: These scripts never import TensorFlow: a fresh interpreter each is quicker than preloading
#: one that imports it (the preloaded path has its own tests, test_legacy_preload.py).
FRESH = "--fresh"


def _check(folder: Path, out: Path, *extra: str) -> list[str]:
    return ["legacy", "check", str(folder), "--out", str(out), "--seed", "0", "--timeout", "60",
            "--recursive", FRESH, *extra]  # fmt: skip


def test_shards_take_every_nth_script_by_sorted_path() -> None:
    names = ["b.py", "a.py", "sub/c.py", "a-b.py", "d.py"]
    # Folder by folder, as scripts_in sorts paths: "a-b.py" before "a.py" ('-' < '.').
    assert Shard(1, 2).select(names) == ["a-b.py", "b.py", "sub/c.py"]
    assert Shard(2, 2).select(names) == ["a.py", "d.py"]
    picked = [name for index in (1, 2, 3) for name in Shard(index, 3).select(names)]
    assert sorted(picked) == sorted(names) and len(picked) == len(names)
    assert Shard(5, 6).select(names) == ["sub/c.py"] and Shard(6, 6).select(names) == []
    assert parse_shard("2/4") == Shard(2, 4)
    for bad in ("0/2", "3/2", "2", "a/b", "-1/2", "1/0"):
        with pytest.raises(ValueError, match=r"--shard must be I/N with 1 <= I <= N"):
            parse_shard(bad)


def test_merged_shards_print_the_unsharded_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path)
    assert main(_check(folder, tmp_path / "whole")) == 1
    whole = capsys.readouterr().out
    assert main(_check(folder, tmp_path / "whole-json", "--json")) == 1
    whole_json = capsys.readouterr().out

    results = tmp_path / "results"
    for index in (1, 2):
        out = tmp_path / f"shard{index}"
        result = str(results / f"{index}.json")
        assert main(_check(folder, out, "--shard", f"{index}/2", "--result", result)) in (0, 1)
        assert f"shard {index}/2 ({2 if index == 1 else 1} of 3 scripts)" in capsys.readouterr().err
    # The shard's own runs only: shard 1 holds a.py and sub/c.py, shard 2 b.py.
    assert sorted(p.name for p in (tmp_path / "shard1").iterdir()) == ["a", "sub"]

    page = tmp_path / "page.md"
    assert main(["legacy", "merge", str(results), "--out", str(page)]) == 1  # b.py failed
    merged = capsys.readouterr().out
    assert _no_seconds(merged) == _no_seconds(whole)
    assert merged.splitlines()[-1] == "3 scripts: 2 ok, 1 failed, 0 timeout"
    assert [line.split()[0] for line in merged.splitlines()[1:4]] == ["a.py", "b.py", "sub/c.py"]
    assert f"```text\n{merged}```\n" in page.read_text()
    reordered = [str(results / "2.json"), str(results / "1.json")]
    assert main(["legacy", "merge", *reordered, "--json"]) == 1
    assert _records(capsys.readouterr().out) == _records(whole_json)


def test_matrix_shards_and_check_shards_of_two_releases_merge_into_the_matrix_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "same.py").write_text("print('loss', 0.25)\n")
    (folder / "drift.py").write_text(
        "import os\nprint('loss', 0.25000001 if os.environ.get('NUDGE') else 0.25)\n"
    )
    (folder / "broken.py").write_text("import os\nassert not os.environ.get('NUDGE')\n")
    old, new = _interpreter(tmp_path / "old", False), _interpreter(tmp_path / "new", True)
    pythons = ["--python", f"2.12={old}", "--python", f"2.21={new}"]
    matrix = ["legacy", "matrix", str(folder), *pythons, "--timeout", "60", FRESH]
    assert main([*matrix, "--out", str(tmp_path / "whole")]) == 1
    whole = capsys.readouterr().out
    assert whole.splitlines()[-1].startswith("3 scripts on 2 releases; 2 regression(s)")

    shards = tmp_path / "matrix-shards"
    for index in (1, 2):
        result = str(shards / f"{index}.json")
        argv = [*matrix, "--out", str(tmp_path / f"m{index}"), "--shard", f"{index}/2"]
        assert main([*argv, "--result", result]) in (0, 1)
    capsys.readouterr()
    assert main(["legacy", "merge", str(shards)]) == 1
    assert capsys.readouterr().out == whole  # the matrix table holds no times: exactly equal

    # The CI way: one `check --shard` per release and shard, merged into the same table.
    checks = tmp_path / "check-shards"
    for release, python in (("2.12", old), ("2.21", new)):
        for index in (1, 2):
            out = tmp_path / f"c{release}-{index}"
            result = str(checks / f"{release}-{index}.json")
            argv = ["legacy", "check", str(folder), "--out", str(out), "--python", python,
                    "--seed", "0", "--timeout", "60", "--shard", f"{index}/2",
                    "--release", release, "--result", result, FRESH]  # fmt: skip
            assert main(argv) in (0, 1)
    capsys.readouterr()
    assert main(["legacy", "merge", str(checks)]) == 1
    assert capsys.readouterr().out == whole
    assert main(["legacy", "merge", str(checks), "--json"]) == 2
    assert "--json is for the results of `legacy check` on one release" in capsys.readouterr().err


def _interpreter(path: Path, nudge: bool) -> str:
    """This Python behind a wrapper; with ``nudge`` it exports NUDGE, as a release that
    computes slightly differently would."""
    path.write_text(f'#!/bin/sh\n{"NUDGE=1 " if nudge else ""}exec {sys.executable} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_merge_refuses_sets_that_are_not_one_whole_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path)
    results = tmp_path / "r"

    def shard(name: str, spec: str, *extra: str, where: Path = folder) -> str:
        path = str(results / f"{name}.json")
        argv = _check(where, tmp_path / name, "--shard", spec, "--result", path, *extra)
        assert main(argv) in (0, 1)
        return path

    one, two = shard("one", "1/2"), shard("two", "2/2")
    reseeded = shard("seed1", "2/2", "--seed", "1")
    thirds = shard("third", "2/3")
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.py").write_text("print('another folder')\n")
    foreign = shard("foreign", "2/2", where=other)
    answers = tmp_path / "answers.txt"
    answers.write_text("3\n")
    fed = shard("fed", "2/2", "--stdin", str(answers))
    capsys.readouterr()

    for argv, message in [
        ([one], "RESULTS lack shard(s) 2/2 of release "),
        ([one, one, two], f"twice: {one}, {one}"),
        ([one, reseeded], f"RESULTS {one} and {reseeded} are from different seeds (0 vs 1)"),
        ([one, thirds], f"RESULTS {one} and {thirds} are from different numbers of shards"),
        ([one, foreign], f"RESULTS {one} and {foreign} are from different folders (scripts: 3"),
        # What a script reads on stdin is a setting: shards fed other input are another run.
        ([one, fed], "stdin None vs timeout 60.0, strict False, soft_placement False, recursive"),
        ([one, two, "--reference", "9.9"], "--reference compares several releases; these "),
    ]:
        page = tmp_path / "page.md"
        assert main(["legacy", "merge", *argv, "--out", str(page)]) == 2, argv
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and message in error, error
        assert not page.exists()

    broken = results / "broken.json"
    data = json.loads(Path(one).read_text())
    data["runs"][next(iter(data["runs"]))].pop()
    broken.write_text(json.dumps(data))
    assert main(["legacy", "merge", str(broken), two]) == 2
    assert "does not hold the runs of shard 1/2" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--shard", "3/2"], "--shard must be I/N with 1 <= I <= N (e.g. 2/4); got '3/2'"),
        (["--shard", "x"], "--shard must be I/N"),
        (["--shard", "1/2", "--release", "a b"], "--release must be letters, digits"),
        (["--shard", "1/2", "--result", "{tmp}"], "--result '{tmp}' "),
    ],
)
def test_bad_shard_options_are_one_line_and_run_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    argv = _check(folder, out, *(part.format(tmp=tmp_path) for part in extra))
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message.format(tmp=tmp_path) in error, error
    assert not out.exists()


@pytest.mark.slow
def test_corpus_shards_merge_into_the_unsharded_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole corpus once and in three shards (about 4 s per script per run, 30 s for the
    script that hangs until its timeout)."""
    check = ["legacy", "check", str(CORPUS), "--seed", "0", "--timeout", "30", "--jobs", "2"]
    assert main([*check, "--out", str(tmp_path / "whole")]) == 1
    whole = capsys.readouterr().out
    for index in (1, 2, 3):
        result = str(tmp_path / "results" / f"{index}.json")
        argv = [*check, "--out", str(tmp_path / f"s{index}"), "--shard", f"{index}/3"]
        assert main([*argv, "--result", result]) == 1
    capsys.readouterr()
    assert main(["legacy", "merge", str(tmp_path / "results")]) == 1
    merged = capsys.readouterr().out
    assert _no_seconds(merged) == _no_seconds(whole)
    # One totals line, followed by the removed APIs the corpus used and what served each.
    lines = merged.splitlines()
    totals = [number for number, line in enumerate(lines) if line.startswith("14 scripts: ")]
    removed = [number for number, line in enumerate(lines) if line.startswith("Removed APIs used")]
    assert len(totals) == 1 and len(removed) == 1 and totals[0] < removed[0]


def test_merge_refuses_a_negative_rtol(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    path = tmp_path / "r" / "one.json"
    assert main(_check(folder, tmp_path / "one", "--shard", "1/1", "--result", str(path))) in (0, 1)
    data = json.loads(path.read_text())
    data["rtol"] = -1
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["legacy", "merge", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "field 'rtol': must be a finite float >= 0.0" in error, error
