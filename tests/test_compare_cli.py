"""``tf1repro compare``: the three-way table, its exit codes, and its verdict on perturbed records.

A perturbation is measured in scale-ulps (``tf1repro.compare.scale_ulp``: the float32 spacing at
the largest |A| of the first record's trajectory). It is applied at the last step, where ``A``
lies in [8, 16) as does its largest value, so one scale-ulp is exactly one float32 ulp of ``A``
there and ``k`` ulps moved are ``k`` ulps measured, with no rounding in between. The default
tolerance is ``DEFAULT_TOLERANCE_ULPS`` (0 ulps): graph and eager run the same kernels in the
same order (see test_eager.py); the verdict's flip is tested at an explicit ``TOLERANCE``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_python, with_values
from tb_events import read_graph_def, read_scalars

from tf1repro import Record
from tf1repro.cli import main
from tf1repro.compare import scale_ulp
from tf1repro.equivalence import DEFAULT_TOLERANCE_ULPS, PAIRS, recorded, sweep_cases

#: An explicit tolerance, to see the verdict flip one ulp past it.
TOLERANCE = 2.0
#: The cases `tf1repro compare` checks for the article, as README.md and docs/porting.md show.
CASES = ("stochastic", "batch-1", "batch-20", "batch-100")


def perturbed(record: Record, ulps: float) -> Record:
    """``record`` with its last ``A`` moved by ``ulps`` scale-ulps."""
    a = record.variables["A"].copy()
    unit = scale_ulp(a)
    assert 8 <= float(np.abs(a).max()) < 16 and 8 <= float(a.reshape(-1)[-1]) < 16
    assert unit == float(np.spacing(np.float32(8)))
    a.reshape(-1)[-1] = np.float32(a.reshape(-1)[-1] + np.float32(ulps * unit))
    return with_values(record, "variables", "A", a)


def strict_json(text: str) -> Any:
    """``json.loads`` refusing NaN and Infinity tokens, as a strict JSON reader would."""

    def refuse(token: str) -> None:
        raise ValueError(f"not strict JSON: {token}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.quick
@pytest.mark.parametrize("part", ["stochastic", "batch"])
def test_verdict_flips_one_ulp_past_the_tolerance(
    request: pytest.FixtureRequest, part: str
) -> None:
    record: Record = request.getfixturevalue(part)
    at_tolerance = recorded([record, perturbed(record, TOLERANCE)], tolerance_ulps=TOLERANCE)
    assert at_tolerance.passed
    assert at_tolerance.rows[0].comparison.deviation("A").ulps == TOLERANCE
    beyond = recorded([record, perturbed(record, TOLERANCE + 1)], tolerance_ulps=TOLERANCE)
    assert not beyond.passed
    deviation = beyond.rows[0].comparison.deviation("A")
    assert deviation.ulps == TOLERANCE + 1
    assert deviation.step == deviation.first_step == record.steps
    # Only A was moved: the loss is still bit-identical.
    assert beyond.rows[0].comparison.deviation("loss").identical


def test_cli_exit_codes_on_recorded_records(tmp_path: Path, batch: Record) -> None:
    files = {
        "run": batch,
        "copy": Record.from_dict(batch.to_dict()),
        "bad": perturbed(batch, TOLERANCE + 1),
    }
    for name, value in files.items():
        (tmp_path / f"{name}.json").write_text(value.to_json())
    same = run_python("-m", "tf1repro", "compare", "--runs", "run.json", "copy.json", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert same.stdout.splitlines()[-1].startswith("all 1 pair within 0 ulps")
    differ = run_python("-m", "tf1repro", "compare", "--runs", "run.json", "bad.json", cwd=tmp_path)
    assert differ.returncode == 1, differ.stderr
    assert differ.stderr == ""
    lines = differ.stdout.splitlines()
    assert lines[0].split() == [
        "case",
        "backends",
        "quantity",
        "ulps",
        "at",
        "step",
        "first",
        "differs",
    ]
    steps = str(batch.steps)
    assert lines[1].split() == ["batch", "graph-graph", "A", "3", steps, steps, "FAIL"]
    assert lines[2].split() == ["batch", "graph-graph", "loss", "0", "-", "-", "pass"]
    assert lines[-1].startswith("1 of 1 pair exceed 0 ulps")
    # A looser tolerance passes the same pair.
    loose = run_python(
        "-m",
        "tf1repro",
        "compare",
        "--runs",
        "run.json",
        "bad.json",
        "--tolerance",
        "3",
        cwd=tmp_path,
    )
    assert loose.returncode == 0, loose.stderr
    assert loose.stdout.splitlines()[-1].startswith("all 1 pair within 3 ulps")


@pytest.mark.quick
def test_json_is_strict_with_an_infinite_distance(
    tmp_path: Path, batch: Record, capsys: pytest.CaptureFixture[str]
) -> None:
    nan = with_values(batch, "fetches", "loss", np.full_like(batch.fetches["loss"], np.nan))
    (tmp_path / "run.json").write_text(batch.to_json())
    (tmp_path / "nan.json").write_text(nan.to_json())
    paths = [str(tmp_path / "run.json"), str(tmp_path / "nan.json")]
    assert main(["compare", "--runs", *paths, "--json"]) == 1
    report = strict_json(capsys.readouterr().out)
    assert report["passed"] is False and report["tolerance_ulps"] == DEFAULT_TOLERANCE_ULPS
    (row,) = report["rows"]
    assert row["backends"] == ["graph", "graph"] and row["passed"] is False
    assert row["worst_ulps"] == "inf"
    by_name = {q["quantity"]: q for q in row["quantities"]}
    assert by_name["loss"]["ulps"] == "inf" and by_name["loss"]["second"] == "nan"
    assert by_name["A"]["ulps"] == 0 and by_name["A"]["step"] is None


def test_three_way_compare_with_logdir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "compare",
        "--steps",
        "20",
        "--log-every",
        "5",
        "--sweep",
        "batch_size=1,20",
        "--seed",
        "4",
    ]
    code = main([*args, "--json", "--logdir", str(tmp_path)])
    report = strict_json(capsys.readouterr().out)
    assert code == 0 and report["passed"]
    labels = ["stochastic", "batch-1", "batch-20"]
    assert [(r["label"], tuple(r["backends"])) for r in report["rows"]] == [
        (label, pair) for label in labels for pair in PAIRS
    ]
    rows = {(r["label"], tuple(r["backends"])): r for r in report["rows"]}
    for row in report["rows"]:
        assert [q["quantity"] for q in row["quantities"]] == ["A", "loss"]
        assert row["worst_ulps"] <= DEFAULT_TOLERANCE_ULPS
        # Graph and eager run the same kernels in the same order: bit-identical.
        if row["backends"] == ["graph", "eager"]:
            assert row["worst_ulps"] == 0 and row["first_differing_step"] is None, row
    for label in labels:
        assert sorted(p.name for p in (tmp_path / label).iterdir()) == ["eager", "graph", "numpy"]
        series = {b: read_scalars(tmp_path / label / b) for b in ("graph", "numpy", "eager")}
        for backend, scalars in series.items():
            assert sorted(scalars) == ["A", "loss"], backend
            for tag in ("A", "loss"):
                assert sorted(scalars[tag]) == list(range(1, 21)), (backend, tag)
        assert series["graph"] == series["eager"]
        # The events hold the very values compared: their distance is the report's, in ulps.
        for index, tag in enumerate(("A", "loss")):
            graph = np.array([series["graph"][tag][s] for s in range(1, 21)], dtype=np.float32)
            numpy = np.array([series["numpy"][tag][s] for s in range(1, 21)], dtype=np.float32)
            gap = np.abs(graph.astype(np.float64) - numpy).max() / scale_ulp(graph)
            quantity = rows[(label, ("graph", "numpy"))]["quantities"][index]
            assert quantity["quantity"] == tag and quantity["ulps"] == gap
    graph_def = read_graph_def(tmp_path / "batch-20" / "graph")
    assert graph_def is not None and "MatMul" in {node.op for node in graph_def.node}
    assert read_graph_def(tmp_path / "batch-20" / "numpy") is None


def test_the_article_sweeps_its_batch_sizes_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    # The article declares its sweep (batch_size=1,20,100): `compare` checks each, as documented;
    # a --batch-size of its own compares that one size instead.
    short = ["--steps", "2", "--log-every", "1", "--json"]
    assert main(["compare", *short]) == 0
    labels = [row["label"] for row in json.loads(capsys.readouterr().out)["rows"]]
    assert labels == [label for label in CASES for _ in PAIRS]
    assert main(["compare", *short, "--batch-size", "5"]) == 0
    labels = [row["label"] for row in json.loads(capsys.readouterr().out)["rows"]]
    assert labels == [label for label in ("stochastic", "batch") for _ in PAIRS]


def test_any_config_parameter_can_be_swept() -> None:
    from tf1repro.tutorial import Sweep, get_script, load_tutorial

    article = get_script("article")
    assert article is not None and article.sweep == Sweep("batch_size", (1, 20, 100))
    tutorials = [load_tutorial(name) for name in article.parts]
    configs = [tutorial.make_config(steps=7) for tutorial in tutorials]
    cases = sweep_cases(tutorials, configs, article.sweep)
    assert [label for label, _, _ in cases] == list(CASES)
    assert [getattr(c, "batch_size", None) for _, _, c in cases] == [None, 1, 20, 100]
    # Every other parameter is kept, in every case.
    assert {config.steps for _, _, config in cases} == {7}
    # Any parameter, in each part that has it; values as its constraint returns them (1 -> 1.0).
    rates = sweep_cases(tutorials, configs, Sweep("learning_rate", (1, 0.5)))
    assert [label for label, _, _ in rates] == [
        "stochastic-1.0",
        "stochastic-0.5",
        "batch-1.0",
        "batch-0.5",
    ]
    assert [config.learning_rate for _, _, config in rates] == [1.0, 0.5, 1.0, 0.5]
    # Without a sweep, each part once under its own name.
    assert [label for label, _, _ in sweep_cases(tutorials, configs)] == ["stochastic", "batch"]


def test_table_lists_every_pair_and_quantity(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", "stochastic", "--steps", "10", "--log-every", "5", "--seed", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].split() == [
        "case",
        "backends",
        "quantity",
        "ulps",
        "at",
        "step",
        "first",
        "differs",
    ]
    body = [line.split() for line in lines[1:-1]]
    expected = [("stochastic", "-".join(pair), q) for pair in PAIRS for q in ("A", "loss")]
    assert [tuple(cells[:3]) for cells in body] == expected
    # The stochastic trainer is elementwise float32 arithmetic: every pair is bit-identical.
    assert all(cells[3:] == ["0", "-", "-", "pass"] for cells in body)
    assert lines[-1].startswith("all 3 pairs within 0 ulps")


@pytest.mark.quick
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--sweep", "batch_size=1,0"],
            "--sweep must be batch_size=V1,V2,... each an int in the range [1, 1000000]; "
            "got 'batch_size=1,0'",
        ),
        (
            ["--sweep", "batch_size=20,20"],
            "--sweep must be batch_size=V1,V2,... with distinct values; got 'batch_size=20,20'",
        ),
        (
            ["--sweep", "batch-size=1,1000001"],
            "--sweep must be batch_size=V1,V2,... each an int in the range [1, 1000000]; "
            "got 'batch_size=1,1000001'",
        ),
        (
            ["--sweep", "learning_rate=0.1,-1"],
            "--sweep must be learning_rate=V1,V2,... each a finite float > 0 (and > 0 in "
            "float32); got 'learning_rate=0.1,-1'",
        ),
        (
            ["--sweep", "momentum=0.5,0.9"],
            "--sweep must be PARAMETER=V1,V2,... for a parameter of the config (batch_size, "
            "data_size, learning_rate, log_every, steps, target, x_mean, x_std); "
            "got 'momentum=0.5,0.9'",
        ),
        (
            ["--sweep", "batch_size"],
            "--sweep must be PARAMETER=V1,V2,... (a config parameter and its values, "
            "comma-separated); got 'batch_size'",
        ),
        (["--sweep", "batch_size=1,"], "got 'batch_size=1,'"),
        (
            ["--sweep", "batch_size=1,2", "--batch-size", "5"],
            "--batch-size cannot be combined with --sweep batch_size=1,2",
        ),
        (
            ["--sweep", "steps=5,10", "--log-every", "7"],
            "--log-every must be an int in the range [1, 5] (at most 'steps'); got 7",
        ),
        (
            ["--sweep", "batch_size=1", "--runs", "a.json", "b.json"],
            "--sweep applies to a TUTORIAL trained here, not to --runs or --record",
        ),
        # --sweep batch_size=... replaced --batch-sizes.
        (["--batch-sizes", "1,20"], "unrecognized arguments: --batch-sizes 1,20"),
        (["--tolerance", "-1"], "--tolerance must be a finite number of ulps >= 0; got -1"),
        (["--tolerance", "nan"], "--tolerance must be a finite number of ulps >= 0; got nan"),
        (["--steps", "0"], "--steps must be an int in the range [1, 1000000]; got 0"),
        (["--steps", "1000001"], "--steps must be an int in the range [1, 1000000]; got 1000001"),
        (
            ["--learning-rate", "1e-50"],
            "--learning-rate must be a finite float > 0 (and > 0 in float32); got 1e-50",
        ),
        (["--runs", "missing.json"], "missing.json: cannot be read"),
        (["--runs", "a.json", "--logdir", "logs"], "--logdir cannot be combined with --runs"),
        # The built-in names are listed, sorted: the article's two come last.
        (["nosuch"], "batch, stochastic) or a .py file"),
        # The tutorial comes first: after the options it is not taken for one.
        (["--seed", "1", "batch"], "unrecognized arguments: batch"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("tf1repro compare: error: ") and message in captured.err


@pytest.mark.quick
def test_records_without_a_comparable_pair(
    tmp_path: Path, stochastic: Record, batch: Record, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for record in (stochastic, batch):
        paths.append(tmp_path / f"{record.tutorial}.json")
        paths[-1].write_text(record.to_json())
    assert main(["compare", "--runs", *map(str, paths)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "--runs: no two of the records have the same tutorial, config and inputs" in err


@pytest.mark.parametrize("command", ["compare", "diagnose"])
def test_one_default_tolerance_stated_in_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """compare TUTORIAL, compare --record and diagnose share 0: a port that moves a loss by 2
    ulps must not pass one of them by default and fail another."""
    assert DEFAULT_TOLERANCE_ULPS == 0
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default 0: on the same TensorFlow and kernel path the same computation" in text
