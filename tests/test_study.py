"""The study: its statistics on known inputs, the article's printed values, and the command."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from tf1repro.cli import main
from tf1repro.tutorials.article.printed import printed_values
from tf1repro.tutorials.article.study.stats import (
    percentile_of,
    percentiles,
    settle_steps,
    total_variation,
)


def test_percentiles_of_a_known_distribution() -> None:
    # 1..101: the p-th percentile (linear interpolation) is 1 + p.
    assert percentiles(np.arange(1, 102), axis=None).tolist() == [6.0, 51.0, 96.0]
    # Runs that never converge count as +inf and sort last.
    low, median, high = percentiles([1.0, 2.0, np.inf, np.inf, np.inf], axis=None)
    assert low == pytest.approx(1.2) and median == np.inf and high == np.inf
    columns = percentiles(np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]), axis=0)
    assert columns[1].tolist() == [2.0, 20.0]


def test_percentile_of_a_value() -> None:
    sample = [1.0, 2.0, 3.0, 4.0]
    assert percentile_of(0.5, sample) == 0.0
    assert percentile_of(3.0, sample) == 62.5  # two below, one tie counted half
    assert percentile_of(2.5, sample) == 50.0
    assert percentile_of(9.0, sample) == 100.0


def test_settle_steps_and_roughness() -> None:
    optimum = np.array([10.0, 10.0, 10.0])
    a = np.array(
        [
            [5.0, 9.95, 9.0, 9.95, 10.05],  # inside from step 4 on
            [9.99, 10.0, 10.0, 10.0, 10.0],  # inside from step 1
            [5.0, 9.95, 9.95, 9.95, 9.5],  # outside at the end: never settled
        ],
        dtype=np.float32,
    )
    assert settle_steps(a, optimum).tolist() == [4.0, 1.0, np.inf]
    assert total_variation(np.array([[1.0, 3.0, 2.0, 2.0]])).tolist() == [3.0]


def test_printed_values_are_the_articles() -> None:
    values = printed_values()
    for trainer in ("stochastic", "batch"):
        assert [v.step for v in values if v.trainer == trainer] == list(range(5, 101, 5))
    by_key = {(v.trainer, v.step): v for v in values}
    assert by_key["stochastic", 10].loss == 48.22986221  # printed "48.229 86221"
    assert by_key["stochastic", 80].a == 9.6622715  # printed "[ 9 . 6622715]"
    assert by_key["batch", 25].loss == 13.3245  # printed "13.32 45"
    assert by_key["batch", 75].loss == 1.46504  # printed "1.465 04"
    # The repaired columns are the printed text with its spaces removed, nothing else.
    text = (
        resources.files("tf1repro.tutorials.article")
        .joinpath("printed_values.csv")
        .read_text(encoding="utf-8")
    )
    data = "".join(line for line in text.splitlines(True) if not line.startswith("#"))
    rows = csv.DictReader(io.StringIO(data))
    for row in rows:
        assert row["a_as_printed"].replace(" ", "") == row["a"]
        assert row["loss_as_printed"].replace(" ", "") == row["loss"]


@pytest.fixture(scope="module")
def study_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    out = tmp_path_factory.mktemp("study")
    capture = io.StringIO()
    import contextlib

    err = io.StringIO()
    with contextlib.redirect_stdout(capture), contextlib.redirect_stderr(err):
        code = main(["study", "--runs", "60", "--batch-sizes", "1,2,20", "--out", str(out)])
    assert code == 0
    return out, capture.getvalue(), err.getvalue()


def test_study_writes_table_plot_and_json(study_out: tuple[Path, str, str]) -> None:
    out, stdout, stderr = study_out
    # The three outputs, published as one set with its manifest (see tf1repro.files.publish).
    names = sorted(p.name for p in out.iterdir())
    assert names == [".tf1repro-set.json", "study.json", "study.md", "study.png"]
    assert (out / "study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert stderr == ""  # quiet: no progress bar when stderr is not a terminal, no TF chatter
    assert "The article's pros and cons, measured" in stdout
    document = json.loads((out / "study.json").read_text())
    assert document["runs"] == 60
    assert [b["batch_size"] for b in document["batch_sizes"]] == [1, 2, 20]
    assert [b["trainer"] for b in document["batch_sizes"]] == ["stochastic", "batch", "batch"]
    assert len(document["printed_values"]) == 40
    for entry in document["batch_sizes"]:
        assert len(entry["a"]["median"]) == 100 and len(entry["theory"]["mean_a"]) == 100


def test_json_figures_are_the_tables(study_out: tuple[Path, str, str]) -> None:
    from tf1repro.tutorials.article.study.table import number

    out, _, _ = study_out
    document = json.loads((out / "study.json").read_text())
    markdown = (out / "study.md").read_text()
    sections = {part.split("\n")[0]: part for part in markdown.split("### ")}

    def rows(title: str) -> dict[str, str]:
        (section,) = [text for heading, text in sections.items() if heading.startswith(title)]
        return {line.split(" | ")[0].strip("| "): line for line in section.splitlines()}

    per_batch_size, printed = rows("Per batch size"), rows("The article's printed values")
    for entry in document["batch_sizes"]:
        row = per_batch_size[str(entry["batch_size"])]
        a = entry["a"]
        final = f"{number(a['median'][-1], 4)} [{number(a['p5'][-1], 4)}-{number(a['p95'][-1], 4)}]"
        assert final in row
        assert f"{100 * entry['settled_share']:.0f}%" in row
        # Timings change from run to run: the files leave them out, so they are byte-identical.
        assert "seconds_per_run" not in entry and "ms/run" not in markdown
    for p in document["printed_values"]:
        cell = f"{p['a']:.4f} ({p['a_percentile']:.0f}%)"
        assert cell in printed[str(p["step"])]
        assert 0 <= p["a_percentile"] <= 100


def test_json_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "study",
            "--runs",
            "5",
            "--batch-sizes",
            "1",
            "--steps",
            "10",
            "--log-every",
            "5",
            "--json",
            "--backend",
            "numpy",
            "--out",
            str(tmp_path),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    assert json.loads(captured.out) == json.loads((tmp_path / "study.json").read_text())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runs", "0"], "--runs must be an int in the range [1, "),
        (["--runs", "ten"], "--runs must be an int"),
        (["--batch-sizes", ""], "--batch-sizes must be a comma-separated list of ints >= 1"),
        (["--batch-sizes", "1,two"], "--batch-sizes must be a comma-separated list of ints >= 1"),
        (["--batch-sizes", "2.5"], "--batch-sizes must be a comma-separated list of ints >= 1"),
        (["--batch-sizes", "0,20"], "--batch-sizes must be a comma-separated list of ints >= 1"),
        # Memory, estimated before any work: 1000 runs of 1e6 steps would hold ~800 GiB.
        (["--steps", "1000000"], "--runs must be an int in the range [1, 2] with --steps 1000000"),
        (["--runs", "10000000"], "--runs must be an int in the range [1, 184596] with --steps 100"),
        (
            ["--steps", "1000000", "--batch-sizes", "100000"],
            "--steps must be small enough that one run per batch size fits in memory",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    assert main(["study", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("tf1repro study: error:")
    assert not out.exists()


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from tf1repro.cli.study import _progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with _progress_bar(10, enabled=True) as advance:
        assert advance is not None
        advance(10)
    assert "0/10" in terminal.getvalue()  # the bar was drawn (and cleared on exit)
    with _progress_bar(10, enabled=False) as advance:
        assert advance is None


def test_two_studies_with_one_seed_write_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for name in ("first", "second"):
        args = [
            "study",
            "--runs",
            "3",
            "--batch-sizes",
            "1,20",
            "--steps",
            "20",
            "--log-every",
            "5",
        ]
        assert main([*args, "--backend", "numpy", "--out", str(tmp_path / name)]) == 0
        outputs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert outputs[0] == outputs[1] and {"study.json", "study.md"} <= set(outputs[0])
