"""Chapter 3 of the cookbook (03-03 to 03-07): the log of each original, and its TF2 port.

Oracle: each recipe transcribed as a TF1 script (tests/oracle/cookbook03_*.py) with the seeds
of ``tf1repro legacy run --seed N`` made explicit; ``tf1repro reproduce`` must print exactly its
lines. The two short recipes (03-03, 03-04) run by default for seed 0; the other seeds and the
long recipes (1000 to 1500 steps) are marked slow.

Tolerance of the ports: 0 ulps for every variable and fetch at every step. The ports run the
same kernels as the graphs (MatMul, Add, Abs, Square, Sqrt, RealDiv, Exp, Mean, ExpandDims, the
plain gradient-descent update) on the recorded feeds from the recorded initial values, and sum
their several-term sums in the graphs' order (03-07's port names its ops so that Grappler
sorts them as it sorts the graph's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, run_python

from tf1repro import Record, compare_records, load_tutorial, train
from tf1repro.backends import replay_all
from tf1repro.cli import main

ORACLES = ROOT / "tests" / "oracle"
PNG = b"\x89PNG\r\n\x1a\n"
SHORT = {"03-03", "03-04"}

#: name: (oracle file, its extra arguments, the figures reproduce writes)
RECIPES = {
    "03-03": ("cookbook03_lin_reg.py", (), {"fit.png", "loss.png"}),
    "03-04": ("cookbook03_l1_vs_l2.py", (), {"l1_vs_l2.png"}),
    "03-05": ("cookbook03_deming.py", (), {"fit.png", "loss.png"}),
    "03-06-lasso": ("cookbook03_lasso_ridge.py", ("lasso",), {"fit.png", "loss.png"}),
    "03-06-ridge": ("cookbook03_lasso_ridge.py", ("ridge",), {"fit.png", "loss.png"}),
    "03-07": ("cookbook03_elastic_net.py", (), {"loss.png"}),
}
TUTORIALS = ("03-03", "03-04-l1", "03-04-l2", "03-05", "03-06-lasso", "03-06-ridge", "03-07")
#: The originals that call np.random.seed and tf.set_random_seed themselves: 03/05 (42),
#: 03/06 and 03/07 (13).
SEED_THEMSELVES = {"03-05", "03-06-lasso", "03-06-ridge", "03-07"}


def _cases() -> list[object]:
    cases: list[object] = []
    for name in RECIPES:
        for seed in (0, 1, 2):
            slow = name not in SHORT or seed != 0
            marks = [pytest.mark.slow] if slow else []
            cases.append(pytest.param(name, seed, marks=marks, id=f"{name}-seed{seed}"))
    return cases


@pytest.mark.parametrize(("name", "seed"), _cases())
def test_reproduce_prints_the_oracles_log(
    name: str, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    oracle, arguments, figures = RECIPES[name]
    result = run_python(str(ORACLES / oracle), str(seed), *arguments)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("Step #") >= 2

    out = tmp_path / "out"
    assert main(["reproduce", name, "--seed", str(seed), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1].startswith("Wrote ") and printed[-1].endswith(f" to {out}/")
    assert printed[:-1] == result.stdout.splitlines()
    written = {path.name for path in out.glob("*.png")}
    assert written == figures
    assert all((out / name).read_bytes().startswith(PNG) for name in written)


def _short(name: str, seed: int, steps: int = 40) -> Record:
    tutorial = load_tutorial(name)
    return train(tutorial, tutorial.make_config(steps=steps, log_every=steps), seed)


def test_self_seeding_recipes_ignore_the_seed_and_the_others_follow_it() -> None:
    for name in TUTORIALS:
        first, second = _short(name, 0, 5), _short(name, 1, 5)
        # Same feeds and initial values, bit for bit, exactly when the original seeds itself.
        same_inputs = first.same_inputs(second) is None
        assert same_inputs == (name in SEED_THEMSELVES), name


def test_graph_shapes_are_the_originals() -> None:
    # The printed formats depend on them: [[A]] for [1, 1], a scalar loss prints bare,
    # expand_dims gives [loss], and lasso's penalty broadcasts the loss to [[loss]].
    shapes = {
        "03-03": ((1, 1), ()),
        "03-04-l1": ((1, 1), ()),
        "03-05": ((1, 1), ()),
        "03-06-lasso": ((1, 1), (1, 1)),
        "03-06-ridge": ((1, 1), (1,)),
        "03-07": ((3, 1), (1,)),
    }
    for name, (a_shape, loss_shape) in shapes.items():
        record = _short(name, 0, 3)
        assert record.initial["A"].shape == a_shape, name
        assert record.initial["b"].shape == (1, 1), name
        assert record.fetches["loss"].shape == (3, *loss_shape), name
    feeds = _short("03-07", 0, 3).feeds
    assert feeds["x"].shape == (3, 50, 3) and feeds["y"].shape == (3, 50, 1)


def _replayed_at_zero_ulps(records: list[Record]) -> None:
    ports = replay_all(records, "eager")
    for record, port in zip(records, ports, strict=True):
        comparison = compare_records(record, port)
        assert {d.quantity for d in comparison.deviations} == {"A", "b", "loss"}
        assert comparison.worst == 0 and comparison.first_step is None, comparison.summary()


def test_ports_replay_short_runs_at_zero_ulps() -> None:
    _replayed_at_zero_ulps([_short(name, 1) for name in TUTORIALS])


@pytest.mark.slow
def test_ports_replay_whole_runs_at_zero_ulps() -> None:
    records: list[Record] = []
    for name in TUTORIALS:
        tutorial = load_tutorial(name)
        records.append(train(tutorial, tutorial.make_config(), 2))
    _replayed_at_zero_ulps(records)


def test_tutorials_lists_every_part_and_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tutorials", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["03-04"]["parts"] == ["03-04-l1", "03-04-l2"]
    steps = {"03-03": 100, "03-04-l1": 50, "03-04-l2": 50, "03-05": 1000}
    steps |= {"03-06-lasso": 1500, "03-06-ridge": 1500, "03-07": 1000}
    for name in TUTORIALS:
        assert rows[name]["kind"] == "tutorial" and rows[name]["steps"] == steps[name]
        assert rows[name]["backends"] == ["graph", "eager"]
