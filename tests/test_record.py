"""The record holds every feed, initial value, variable and fetch, losslessly, and is checked
on load; the article's first records (format 1) migrate with their bits unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from tf1repro import Record, Reproduction
from tf1repro.backends import draw_inputs
from tf1repro.files import InputError, read_json
from tf1repro.record import RecordError, load_record
from tf1repro.tutorial import load_tutorial

pytestmark = pytest.mark.quick

V1 = ROOT / "tests" / "data" / "record-v1"


@pytest.mark.parametrize("part", [0, 1])
def test_json_round_trip_is_exact(article: Reproduction, part: int) -> None:
    record = article.records[part]
    back = Record.from_dict(json.loads(record.to_json()))
    assert back == record
    # Bitwise, not approximately: float32 values widen to float64 and back without loss.
    for group in ("feeds", "initial", "variables", "fetches"):
        for name, values in getattr(record, group).items():
            assert getattr(back, group)[name].tobytes() == values.tobytes()
            assert getattr(back, group)[name].dtype == values.dtype
    assert back.to_json() == record.to_json()


def test_record_contents(batch: Record, stochastic: Record) -> None:
    assert batch.tutorial == "batch" and batch.backend == "graph" and batch.seed == 0
    assert set(batch.versions) == {"numpy", "tensorflow"}
    assert batch.feeds["x"].shape == (100, 20, 1) and batch.feeds["x"].dtype == np.float32
    assert batch.initial["A"].shape == (1, 1) and batch.variables["A"].shape == (100, 1, 1)
    assert batch.fetches["loss"].shape == (100,)
    assert stochastic.feeds["y"].shape == (100, 1) and stochastic.fetches["loss"].shape == (100, 1)


def test_recorded_feeds_are_the_seeded_draws(article: Reproduction) -> None:
    # The record holds exactly what the seed draws, so a replay needs nothing else.
    for tutorial, record in zip(article.tutorials, article.records, strict=True):
        inputs = draw_inputs(tutorial, tutorial.config_from(record.config), seed=0)
        fed = np.array([np.asarray(step["x"], dtype=np.float32) for step in inputs.feeds])
        assert np.array_equal(record.feeds["x"], fed)


def test_records_are_read_only(batch: Record) -> None:
    with pytest.raises(ValueError, match="read-only"):
        batch.variables["A"][0] = 0


@pytest.mark.parametrize("name", ["stochastic-seed0.json", "batch-bs20-seed1.json"])
def test_format_1_migrates_bit_for_bit(name: str) -> None:
    old = read_json(V1 / name)
    migrated = load_record(V1 / name)
    golden = load_record(ROOT / "tests" / "golden" / name)
    # Format 1 said nothing of versions' kernel paths: every array is the same, bit for bit.
    unsaid = {"versions": {}, "platform": {}}
    assert migrated.to_dict() | unsaid == golden.to_dict() | unsaid
    steps = old["config"]["steps"]
    assert migrated.variables["A"].reshape(steps).tolist() == old["a"]
    assert migrated.fetches["loss"].reshape(steps).tolist() == old["loss"]
    assert float(migrated.initial["A"].reshape(())) == old["a0"]


BROKEN = [
    (lambda d: [d], "", "a record must be a JSON object, not a list"),
    (lambda d: {**d, "format": "x"}, "format", "must be one of"),
    (lambda d: {**d, "seed": -1}, "seed", "must be an int in [0, 4294967295]"),
    (lambda d: {**d, "seed": True}, "seed", "must be an int"),
    (lambda d: {**d, "steps": 99}, "steps", "says 99 but the arrays hold 100"),
    (lambda d: {**d, "extra": 1}, "extra", "is not a field of a record"),
    (lambda d: {k: v for k, v in d.items() if k != "feeds"}, "feeds", "is missing"),
    (
        lambda d: {**d, "fetches": {"loss": {**d["fetches"]["loss"], "values": [1.0]}}},
        "fetches.loss.values",
        "must be a list of 100 values",
    ),
    (
        lambda d: {**d, "fetches": {"loss": {**d["fetches"]["loss"], "dtype": "complex64"}}},
        "fetches.loss.dtype",
        "must be one of",
    ),
    (
        lambda d: {
            **d,
            "fetches": {"loss": {**d["fetches"]["loss"], "values": ["x"] * 100}},
        },
        "fetches.loss.values",
        "holds 'x', not a float32 value",
    ),
    (
        lambda d: {
            **d,
            "fetches": {"loss": {**d["fetches"]["loss"], "values": [0.1] * 100}},
        },
        "fetches.loss.values",
        "not exactly a float32",
    ),
    (
        lambda d: {
            **d,
            "variables": {
                "A": {
                    **d["variables"]["A"],
                    "shape": [99, 1, 1],
                    "values": d["variables"]["A"]["values"][:99],
                }
            },
        },
        "variables.A",
        "must hold 100 steps",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), BROKEN)
def test_rejects_malformed_records(
    batch: Record, tmp_path: Path, change: object, field: str, message: str
) -> None:
    data = change(batch.to_dict())  # type: ignore[operator]
    with pytest.raises(RecordError) as error:
        Record.from_dict(data)
    assert error.value.field == field and message in str(error.value)
    # From a file, the one line names the file and the field.
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as from_file:
        load_record(path)
    assert str(from_file.value).startswith(str(path)) and message in str(from_file.value)


def test_a_tutorial_name_is_looked_up_on_load(batch: Record) -> None:
    assert load_tutorial(batch.tutorial).name == "batch"
