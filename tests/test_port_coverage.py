"""The coverage table of ``tf1repro port`` (tools/port_coverage): rows read from what ``legacy
check`` and ``port --json`` print, and the page. The corpora themselves are public repositories
a checkout does not hold, so the results here are made by hand; nothing runs TensorFlow."""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
from pathlib import Path

import pytest

from tools.port_coverage import (
    LONGEST_REASON,
    Row,
    check_row,
    cli,
    constructs,
    port_row,
    render,
    summarise,
)
from tools.port_coverage.cli import main, mnist_note

SAVER = "line 9: tf.summary.scalar (a TF1 summary op)"


def ported(status: str, worst: float | str | None, reason: str) -> str:
    return json.dumps({"script": "x.py", "status": status, "worst_ulps": worst, "reason": reason})


def test_rows_say_what_port_made_of_each_script() -> None:
    exact = port_row("a/x.py", 0, ported("exact", 0, "1 graph(s)"), "", None)
    assert exact == Row("a/x.py", "exact", 0.0, "1 graph(s)", True)
    within = port_row("a/x.py", 0, ported("within", 25.0, "Adam"), "", None)
    assert (within.status, within.worst_ulps) == ("within", 25.0)
    differs = port_row("a/x.py", 1, ported("differs", "inf", "A | B"), "", None)
    assert differs.worst_ulps == float("inf") and differs.reason == "A \\| B"
    refused = port_row("a/x.py", 1, ported("unportable", None, SAVER), "", False)
    assert (refused.status, refused.trains, refused.contrib) == ("unportable", False, False)
    contrib = port_row(
        "a/x.py", 1, ported("unportable", None, "line 3: tf.contrib is gone"), "", True
    )
    assert contrib.contrib
    nothing = port_row("a/x.py", 2, "", "tf1repro port: error: x.py: trains nothing: no...\n", None)
    assert (nothing.status, nothing.trains) == ("trains nothing", False)
    failed = port_row("a/x.py", 1, ported("failed", None, "the TF2 program failed"), "", None)
    assert failed.status == "failed"
    with pytest.raises(ValueError, match="unknown status 'odd'"):
        port_row("a/x.py", 0, ported("odd", 0, ""), "", None)


def test_a_script_legacy_check_did_not_run_ok_is_not_run() -> None:
    assert check_row("a/x.py", {"status": "ok", "kind": "ok"}) is None
    row = check_row("a/x.py", {"status": "failed", "kind": "network", "reason": "no\nnet"})
    assert row == Row("a/x.py", "not run", None, "network: no net", None)
    long = check_row("a/x.py", {"status": "failed", "kind": "network", "reason": "word " * 99})
    assert long is not None and long.reason.endswith(" word …")
    assert len(long.reason) <= len("network: ") + LONGEST_REASON + len(" …")


ROWS = [
    Row("c/1.py", "exact", 0.0, "1 graph(s)", True),
    Row("c/2.py", "within", 25.0, "Adam", True),
    Row("c/3.py", "differs", 2.0, "A first differs at step 1", True),
    Row("c/4.py", "unportable", None, SAVER, True),
    Row("c/5.py", "unportable", None, f"{SAVER}; line 12: tf.layers (not yet)", None),
    Row("c/6.py", "unportable", None, "line 2: tf.contrib is gone", True, contrib=True),
    Row("c/7.py", "unportable", None, SAVER, False),
    Row("c/8.py", "trains nothing", None, "no Session.run updated a variable", False),
    Row("c/9.py", "not run", None, "network: no net", None),
]


def test_the_summary_counts_the_scripts_that_train_with_core_ops() -> None:
    summary = summarise(ROWS)
    assert (summary.scripts, summary.ran, summary.trainers) == (9, 8, 5)
    assert summary.counts == {"exact": 1, "within": 1, "differs": 1, "unportable": 2}
    assert (summary.ported, summary.share) == (2, 0.4)
    # Each refused construct once per script.
    assert constructs(ROWS) == {
        "tf.summary.scalar (a TF1 summary op)": 3,
        "tf.layers (not yet)": 1,
        "tf.contrib is gone": 1,
    }


def test_a_refusal_whose_reason_holds_a_semicolon_is_one_construct() -> None:
    dropout = "tf.nn.dropout (one stream in training and evaluation; not ported yet)"
    rows = [
        Row("c/1.py", "unportable", None, f"line 73: {dropout}", True),
        Row("c/2.py", "unportable", None, f"line 5: {dropout}; line 9: tf.contrib is gone", True),
    ]
    assert constructs(rows) == {dropout: 2, "tf.contrib is gone": 1}


def test_the_page_says_how_it_was_made_and_lists_every_script() -> None:
    page = render(
        ROWS, "python -m tools.port_coverage corpus", "2026-01-02", {"tensorflow": "2.21"}
    )
    assert page.startswith("Made on 2026-01-02 with tensorflow 2.21 by:\n\n```bash\n")
    assert "9 scripts; `legacy check` runs 8 `ok`; 5 of those train with core ops, and 2 of" in page
    assert "(40%) port `exact` or `within`." in page
    assert "| tf.summary.scalar (a TF1 summary op) | 3 |" in page
    assert "| `c/2.py` | within | 25 | Adam |" in page
    assert "| `c/7.py` | unportable (trains nothing) |  |" in page
    assert sum(line.startswith("| `c/") for line in page.splitlines()) == len(ROWS)


def test_a_corpus_that_is_not_a_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "missing"), "--out", str(tmp_path / "page.md")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("missing is not a folder")
    assert not (tmp_path / "page.md").exists()


def test_the_page_says_when_its_mnist_was_fake() -> None:
    note = mnist_note(200)
    assert "`--fake-mnist 200`" in note and "200 training examples after the 5000" in note
    assert mnist_note(None) == ""
    page = render(ROWS, "python -m tools.port_coverage c --fake-mnist 200", "2026-01-02", {}, note)
    assert f"```\n\n{note}\n\n9 scripts;" in page


def test_every_run_is_given_the_mnist_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --fake-mnist, the files are written before the first run and each run is given
    them; the page names the option."""
    (tmp_path / "corpus").mkdir()
    given: list[list[str]] = []

    def child(arguments: list[str]) -> subprocess.CompletedProcess[str]:
        given.append(arguments)
        folder = Path(arguments[arguments.index("--data-dir") + 1])
        counts = []
        for prefix in ("train", "t10k"):
            with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz") as images:
                counts.append(struct.unpack(">IIII", images.read(16))[1])
        assert counts == [5003, 3]  # 5000 for validation, then 3 in mnist.train
        script = str(tmp_path / "corpus" / "m.py")
        if arguments[:2] == ["legacy", "check"]:
            return subprocess.CompletedProcess(
                arguments, 0, json.dumps([{"script": script, "status": "ok"}]), ""
            )
        return subprocess.CompletedProcess(arguments, 0, ported("exact", 0, "1 graph(s)"), "")

    monkeypatch.setattr(cli, "tf1repro", child)
    page = tmp_path / "page.md"
    assert main([str(tmp_path / "corpus"), "--fake-mnist", "3", "--out", str(page)]) == 0
    assert [arguments[0] for arguments in given] == ["legacy", "port"]
    assert f"python -m tools.port_coverage {tmp_path / 'corpus'} --seed 0 --fake-mnist 3\n" in (
        page.read_text()
    )
    assert "| `corpus/m.py` | exact | 0 | 1 graph(s) |" in page.read_text()


def test_the_page_names_a_timeout_it_was_not_made_with_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command on the page remakes the page: every run was given --timeout 150, so the
    command says so (the default, 600, it leaves out)."""
    (tmp_path / "corpus").mkdir()
    given: list[list[str]] = []

    def child(arguments: list[str]) -> subprocess.CompletedProcess[str]:
        given.append(arguments)
        runs = [{"script": str(tmp_path / "corpus" / "m.py"), "status": "ok"}]
        if arguments[:2] == ["legacy", "check"]:
            return subprocess.CompletedProcess(arguments, 0, json.dumps(runs), "")
        return subprocess.CompletedProcess(arguments, 0, ported("exact", 0, "1 graph(s)"), "")

    monkeypatch.setattr(cli, "tf1repro", child)
    page = tmp_path / "page.md"
    assert main([str(tmp_path / "corpus"), "--timeout", "150", "--out", str(page)]) == 0
    assert all(arguments[arguments.index("--timeout") + 1] == "150" for arguments in given)
    assert f"{tmp_path / 'corpus'} --seed 0 --timeout 150\n" in page.read_text()
    assert main([str(tmp_path / "corpus"), "--out", str(tmp_path / "default.md")]) == 0
    assert "--timeout" not in (tmp_path / "default.md").read_text()


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (["--fake-mnist", "0"], "--fake-mnist: 0 examples; give 1 or more"),
        (["--data-dir", "missing"], "--data-dir: missing is not a folder"),
        (["--timeout", "0"], "--timeout: 0 seconds; give more than 0"),
    ],
)
def test_bad_mnist_options_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], line: str
) -> None:
    assert main([str(tmp_path), *options, "--out", str(tmp_path / "page.md")]) == 2
    (printed,) = capsys.readouterr().err.splitlines()
    assert printed.endswith(line)
    assert not (tmp_path / "page.md").exists()
