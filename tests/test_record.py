"""The record holds every feed, initial value, variable and fetch, losslessly, and is checked
on load; the article's first records (format 1) migrate with their bits unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, run_python

from tf1repro import Record, Reproduction
from tf1repro.backends import BACKENDS, draw_inputs
from tf1repro.cli import main
from tf1repro.files import InputError, read_json
from tf1repro.kernel_path import measured_platform
from tf1repro.record import BACKENDS as RECORD_BACKENDS
from tf1repro.record import RecordError, load_record
from tf1repro.record.json_form import decode_array, encode_array, values_array
from tf1repro.recording.recorded_json import encode
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
    assert batch.platform == stochastic.platform == measured_platform()
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


def test_format_1_reference_runs_are_the_numpy_twin_s() -> None:
    # Format 1 called the NumPy twin the "reference": it reads back as the backend's new name.
    old = read_json(V1 / "stochastic-seed0.json")
    migrated = Record.from_dict({**old, "backend": "reference"})
    assert migrated.backend == "numpy"
    graph = load_record(V1 / "stochastic-seed0.json")
    assert migrated.to_dict() == graph.to_dict() | {"backend": "numpy"}


def test_loading_a_record_imports_no_tutorial() -> None:
    # A tutorial that fails to import must not stop any record (old or new) from loading.
    probe = (
        "import sys\n"
        "from tf1repro.record import load_record\n"
        f"load_record({str(V1 / 'batch-bs20-seed1.json')!r})\n"
        f"load_record({str(ROOT / 'tests' / 'golden' / 'batch-bs20-seed1.json')!r})\n"
        "print(sorted(m for m in sys.modules if m.startswith('tf1repro.tutorial')))"
    )
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_record_names_the_engine_s_backends_and_the_recorder(batch: Record) -> None:
    assert set(RECORD_BACKENDS) == {*BACKENDS, "legacy"}
    # `legacy run --record` writes records of backend "legacy": they load like the others.
    for backend in RECORD_BACKENDS:
        assert Record.from_dict(batch.to_dict() | {"backend": backend}).backend == backend


BROKEN_V1: list[tuple[Any, str, str]] = [
    (lambda d: {**d, "a": d["a"][:1]}, "a", "must be a list of 100 float32 values, got [0.69"),
    (lambda d: {**d, "a": [[v] for v in d["a"]]}, "a", "holds [0.69"),
    (lambda d: {**d, "loss": 5}, "loss", "must be a list of 100 float32 values, got 5"),
    (lambda d: {**d, "a0": [d["a0"]]}, "a0", "holds [0.30520468950271606], not a float32"),
    (lambda d: {**d, "a": [0.1] * 100}, "a", "not exactly a float32"),
    (
        lambda d: {**d, "logged_steps": 5},
        "logged_steps",
        "must be the steps that log_every=5 logs up to steps=100, [5, 10, 15, 20, 25, 30, ...]; "
        "got 5",
    ),
    (lambda d: {**d, "logged_steps": [-1, 9999]}, "logged_steps", "got [-1, 9999]"),
    (lambda d: {**d, "trainer": "sgd"}, "trainer", "must be one of 'stochastic', 'batch'"),
    (lambda d: {**d, "backend": "gpu9"}, "backend", "must be one of 'graph', 'reference', 'eager'"),
    (lambda d: {**d, "seed": -1}, "seed", "must be an int in the range [0, 4294967295]"),
    (lambda d: {**d, "extra": 1}, "extra", "is not a field of a tf1repro.run/1 record"),
    (lambda d: {k: v for k, v in d.items() if k != "x"}, "x", "is missing"),
    (lambda d: {**d, "x": d["x"][:99]}, "x", "must be a list of 100 float64 values"),
    (
        lambda d: {**d, "config": {**d["config"], "log_every": 101}},
        "config.log_every",
        "must be an int in the range [1, 100], got 101",
    ),
    (
        lambda d: {**d, "config": {**d["config"], "momentum": 0.9}},
        "config.momentum",
        "is not a field of a tf1repro.run/1 config",
    ),
    (lambda d: {**d, "config": [1]}, "config", "must be an object, not a list"),
    (
        lambda d: {**d, "indices": [row[:19] for row in d["indices"]]},
        "indices",
        "must be a list of 100 lists of 20 indices into x",
    ),
    (
        lambda d: {**d, "indices": [[100] * 20] * 100},
        "indices",
        "holds 100; an index into x must be an int in the range [0, 99]",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), BROKEN_V1)
def test_rejects_malformed_format_1_records(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Any,
    field: str,
    message: str,
) -> None:
    data = change(read_json(V1 / "batch-bs20-seed1.json"))
    with pytest.raises(RecordError) as error:
        Record.from_dict(data)
    assert error.value.field == field and message in str(error.value)
    # On the command line: one line naming the file and the field, exit 2.
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    assert main(["compare", "--runs", str(path), str(V1 / "batch-bs20-seed1.json")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert f"{path}: field {field!r}: " in captured.err and message in captured.err


def test_a_stochastic_format_1_record_has_one_index_a_step() -> None:
    data = read_json(V1 / "stochastic-seed0.json")
    with pytest.raises(RecordError) as error:
        Record.from_dict({**data, "indices": [[0, 1]] * 100})
    assert error.value.field == "indices"
    assert "must be a list of 100 lists of 1 indices into x" in str(error.value)


BROKEN = [
    (lambda d: [d], "", "a record must be a JSON object, not a list"),
    (lambda d: {**d, "format": "x"}, "format", "must be one of"),
    (lambda d: {**d, "seed": -1}, "seed", "must be an int in the range [0, 4294967295]"),
    (lambda d: {**d, "seed": True}, "seed", "must be an int"),
    (
        lambda d: {**d, "backend": "gpu9"},
        "backend",
        "must be one of 'graph', 'eager', 'numpy', 'legacy', got 'gpu9'",
    ),
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


@pytest.mark.parametrize(
    ("values", "dtype", "problem"),
    [
        ([1.5, 2, True], "float32", "holds True, not a float32 value"),
        ([1, 0], "bool", "holds 1, not a bool value"),
        ([1, 2.0], "int32", "holds 2.0, not a int32 value"),
        ([1, False], "int64", "holds False, not a int64 value"),
        ([0.5, "nan!"], "float64", "holds 'nan!', not a float64 value"),
    ],
)
def test_a_values_list_is_read_whole_only_when_every_value_is_plain(
    values: list[object], dtype: str, problem: str
) -> None:
    # A list of plain values is taken whole; any other is checked value by value.
    with pytest.raises(RecordError, match=problem):
        values_array(values, dtype, "v")


def test_non_finite_floats_round_trip_by_name() -> None:
    array = np.array([1.5, np.nan, -np.inf, np.inf, -0.0], dtype=np.float32)
    encoded = encode_array(array)
    assert encoded["values"][1:4] == ["nan", "-inf", "inf"]
    back = decode_array(json.loads(json.dumps(encoded)), "a")
    assert back.dtype == array.dtype and back.tobytes() == array.tobytes()
    assert values_array([1, 2.5], "float32", "v").tolist() == [1.0, 2.5]
    assert values_array([True, False], "bool", "v").tolist() == [True, False]


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1.5, np.nan], [-np.inf, -0.0]], dtype=np.float32),
        np.array([np.finfo(np.float64).tiny, 1e308], dtype=np.float64),
        np.arange(-3, 3, dtype=np.int64).reshape(2, 3),
        np.array([True, False, True]),
        np.zeros((0, 4), dtype=np.uint8),
        np.float16(0.1) * np.ones(3, dtype=np.float16),
        np.array(2.5, dtype=np.float32),
        np.arange(12, dtype=np.int32).reshape(3, 4).T,
    ],
)
def test_a_packed_array_reads_back_bit_for_bit(array: np.ndarray) -> None:
    # The recorders' packed form (their bytes in base64) keeps every bit, as values do.
    packed = encode(array)
    assert set(packed) == {"dtype", "shape", "packed"}
    back = decode_array(json.loads(json.dumps(packed)), "a")
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()
    assert decode_array(encode_array(array), "a").tobytes() == array.tobytes()


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"dtype": "float32", "shape": [2], "packed": 7}, "a.packed", "must be a base64 string"),
        ({"dtype": "float32", "shape": [2], "packed": "AAAA*AAA"}, "a.packed", "is not base64"),
        (
            {"dtype": "float32", "shape": [3], "packed": "AAAAAAAAAAA="},
            "a.packed",
            r"must hold 3 float32 values \(12 bytes\), not 8 bytes",
        ),
        ({"dtype": "bool", "shape": [2], "packed": "AQI="}, "a.packed", "other than 0 or 1"),
        (
            {"dtype": "float32", "shape": [1], "packed": "AAAAAA==", "values": [0.0]},
            "a",
            "exactly 'dtype', 'shape' and 'values' \\(or 'packed'\\)",
        ),
        ({"dtype": "complex64", "shape": [1], "packed": "AAAAAA=="}, "a.dtype", "must be one of"),
    ],
)
def test_a_bad_packed_array_is_refused_naming_its_field(
    data: dict[str, Any], field: str, problem: str
) -> None:
    with pytest.raises(RecordError, match=problem) as raised:
        decode_array(data, "a")
    assert raised.value.field == field
