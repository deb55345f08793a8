"""Same seed, two separate processes: byte-identical printed log and JSON files."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, run_python

SCRIPT = str(ROOT / "scripts" / "reproduce_article.py")


def test_two_processes_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for name in ("first", "second"):
        result = run_python(SCRIPT, "--seed", "11", "--no-plot", "--out", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        files = {p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())}
        log = result.stdout.replace(name, "OUT")  # the closing line names the folder
        outputs.append((log, files))
    assert outputs[0] == outputs[1]
    # The hidden manifest of the published set is compared too.
    assert set(outputs[0][1]) == {".tf1repro-set.json", "run_stochastic.json", "run_batch.json"}
    assert outputs[0][0].count("Step #") == 40


def test_other_seed_other_numbers(tmp_path: Path) -> None:
    logs = []
    for seed in ("11", "12"):
        result = run_python(
            SCRIPT, "--seed", seed, "--no-plot", "--json", "--out", seed, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        logs.append(result.stdout)
    assert logs[0] != logs[1]
