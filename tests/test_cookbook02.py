"""Chapter 2 of the cookbook (recipes 02/05, 02/07, 02/08): the seeded logs, the TF2 ports,
the evaluations, the figures and the test split.

The oracles in tests/oracle/cookbook02_*.py are the recipes transcribed TF1-style with their
seeds explicit; `tf1repro reproduce SCRIPT --seed N` must print exactly their lines. Tolerances:
none for the logs (text equality), 0 ulps between the graph and its TF2 port (both run the same
kernels on the same feeds from the same initial values), bit equality for the evaluations.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, run_python

from tf1repro import Record, compare_records, load_tutorial, train
from tf1repro.backends import replay_all
from tf1repro.cli import main
from tf1repro.tutorial import get_script
from tf1repro.tutorials.cookbook02.back_propagation import POINTS, sample_label
from tf1repro.tutorials.cookbook02.evaluating import split_80_20

ORACLES = {
    "02-05": "cookbook02_back_propagation.py",
    "02-07": "cookbook02_combining.py",
    "02-08": "cookbook02_evaluating.py",
}
#: Every script has a part of 1000 steps or more: seeds other than 0 run with -m slow.
LONG = ("02-05", "02-07", "02-08")
EXPECTED_PARTS = (
    "02-05-regression",
    "02-05-classification",
    "02-07-setosa",
    "02-08-regression",
    "02-08-classification",
)


def reproduce_cli(script: str, seed: int, out: Path) -> tuple[list[str], list[Record]]:
    """`tf1repro reproduce SCRIPT --seed N --json`, in this process: the log and the records."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(
            ["reproduce", script, "--seed", str(seed), "--no-plot", "--json", "--out", str(out)]
        )
    assert code == 0
    document = json.loads(stdout.getvalue())
    return document["log"], [Record.from_dict(data) for data in document["records"].values()]


@pytest.fixture(scope="module")
def seed0(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], list[Record]]]:
    """Every chapter 2 script reproduced with seed 0, once for this module."""
    return {script: reproduce_cli(script, 0, tmp_path_factory.mktemp(script)) for script in ORACLES}


def oracle_lines(script: str, seed: int) -> list[str]:
    result = run_python(str(ROOT / "tests" / "oracle" / ORACLES[script]), str(seed))
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


SEEDS = [
    pytest.param(script, seed, marks=[pytest.mark.slow] if seed and script in LONG else [])
    for script in ORACLES
    for seed in (0, 1, 2)
]


@pytest.mark.parametrize(("script", "seed"), SEEDS)
def test_reproduce_prints_the_oracles_lines(
    script: str,
    seed: int,
    seed0: dict[str, tuple[list[str], list[Record]]],
    tmp_path: Path,
) -> None:
    log = seed0[script][0] if seed == 0 else reproduce_cli(script, seed, tmp_path)[0]
    assert log == oracle_lines(script, seed)


def test_logs_have_the_originals_shape(seed0: dict[str, tuple[list[str], list[Record]]]) -> None:
    back, combining, evaluating = (seed0[script][0] for script in ORACLES)
    # 02/05: 4 logged regression steps, 7 classification steps, then the accuracy.
    assert len(back) == 2 * 4 + 2 * 7 + 1
    assert back[0].startswith("Step #25 A = [") and back[9].startswith("Loss = [[")
    assert back[-1].startswith("Ending Accuracy = 0.")
    assert [line.split(" A = ")[0] for line in combining] == [
        f"Step #{step}" for step in range(200, 1001, 200)
    ]
    assert ", b = [[" in combining[0]
    assert evaluating[8].startswith("MSE on test:") and evaluating[9].startswith("MSE on train:")
    assert evaluating[-2].startswith("Accuracy on train set: ")
    assert evaluating[-1].startswith("Accuracy on test set: ")


def check_ports(records: list[Record]) -> None:
    """Replay every record on its TF2 port: 0 ulps for every variable and fetch at every step,
    and the same bits for every evaluation."""
    ports = replay_all(records, "eager")
    expected = {
        "02-05-regression": {"A", "loss"},
        "02-05-classification": {"A", "xentropy", "prediction (evaluation)"},
        "02-07-setosa": {"A", "b"},
        "02-08-regression": {"A", "loss", "mse (evaluation)"},
        "02-08-classification": {"A", "xentropy", "accuracy (evaluation)"},
    }
    for record, port in zip(records, ports, strict=True):
        comparison = compare_records(record, port)
        assert comparison.first_step is None and comparison.worst == 0, comparison.summary()
        assert {d.quantity for d in comparison.deviations} == expected[record.tutorial]
        # The evaluations after training, label by label: the same bits.
        assert set(port.evaluations) == set(record.evaluations)
        for label, results in record.evaluations.items():
            for name, value in results.items():
                theirs = np.asarray(port.evaluations[label][name])
                assert theirs.tobytes() == np.asarray(value).tobytes(), (record.tutorial, label)


def test_ports_replay_at_zero_ulps_with_equal_evaluations() -> None:
    # The 1000-step-and-longer parts are cut to 200 steps here; -m slow replays them in full.
    records = []
    for name in EXPECTED_PARTS:
        tutorial = load_tutorial(name)
        steps = min(tutorial.Config().steps, 200)
        records.append(train(tutorial, tutorial.make_config(steps=steps), seed=3))
    check_ports(records)


@pytest.mark.slow
def test_ports_replay_full_runs_at_zero_ulps(
    seed0: dict[str, tuple[list[str], list[Record]]],
) -> None:
    check_ports([record for _, parts in seed0.values() for record in parts])


def test_back_propagation_predictions_are_the_sign_of_x_plus_a(
    seed0: dict[str, tuple[list[str], list[Record]]],
) -> None:
    record = seed0["02-05"][1][1]
    assert record.tutorial == "02-05-classification"
    labels = [sample_label(i) for i in range(POINTS)]
    assert set(record.evaluation_feeds) == set(labels)
    a = float(record.value("A", record.steps)[0])
    x = np.array([record.evaluation_feeds[label]["x"][0] for label in labels], dtype=np.float64)
    predicted = np.array([record.evaluations[label]["prediction"][0] for label in labels])
    # round(sigmoid(z)) is 1 exactly when z > 0; points within float32 noise of 0 are left out.
    clear = np.abs(x + a) > 1e-5
    np.testing.assert_array_equal(predicted[clear], (x + a > 0)[clear].astype(np.float32))
    truth = np.array([record.evaluation_feeds[label]["y"][0] for label in labels])
    accuracy = np.round(np.mean(predicted == truth), 2)
    assert seed0["02-05"][0][-1] == f"Ending Accuracy = {accuracy}"


def test_test_split_keeps_the_set_order() -> None:
    # The recipe's draws: the points, then the split, from one stream.
    rng = np.random.RandomState(0)
    x_vals = rng.normal(1, 0.1, 100)
    train, test = split_80_20(rng, 100)
    assert len(train) == 80 and len(set(train.tolist())) == 80
    assert sorted(train.tolist() + test.tolist()) == list(range(100))
    # The hash-table order of the remaining ints, whatever it is.
    assert test.tolist() == list(set(range(100)) - set(train.tolist()))
    # And the recipe's test feeds are the data at exactly those indices, in that order.
    tutorial = load_tutorial("02-08-regression")
    config = tutorial.make_config()
    data = tutorial.data(np.random.RandomState(0), config)
    np.testing.assert_array_equal(data["x_test"], x_vals[test])
    feeds = tutorial.evaluation_feeds(config, data)
    np.testing.assert_array_equal(np.asarray(feeds["test"]["x"])[:, 0], x_vals[test])


def test_scripts_draw_the_originals_figures(
    seed0: dict[str, tuple[list[str], list[Record]]],
) -> None:
    png = b"\x89PNG\r\n\x1a\n"
    for script, names in (
        ("02-05", set()),
        ("02-07", {"setosa_separator.png"}),
        ("02-08", {"binary_classifier.png"}),
    ):
        found = get_script(script)
        assert found is not None
        figures = found.figures(seed0[script][1])
        assert set(figures) == names
        assert all(data.startswith(png) and len(data) > 10_000 for data in figures.values())


def test_log_every_beyond_steps_is_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_python(
        "-m", "tf1repro", "reproduce", "02-07-setosa", "--steps", "100", "--out", str(out)
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--log-every" in result.stderr
    assert "range [1, 100]" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_listing_imports_no_tensorflow_sklearn_or_matplotlib() -> None:
    code = (
        "import sys, tf1repro\n"
        "from tf1repro.tutorial import tutorial_names\n"
        "names = tutorial_names()\n"
        "heavy = [m for m in ('tensorflow', 'sklearn', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(n for n in names if n.startswith('02-')), heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    parts: Any = result.stdout.split()
    assert parts[0].split(",") == sorted(EXPECTED_PARTS)
    assert parts[1] == "[]"
