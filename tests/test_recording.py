"""``legacy run --record``: an unmodified script's training recorded, and TF2 ports checked on it.

Every script runs in a child process that imports TensorFlow (several seconds each), so the
runs are made once per module, three at a time, and the tests read the run folders they left.
"""

from __future__ import annotations

import json
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import LINE_SCRIPT, ROOT

from tf1repro.backends import train
from tf1repro.cli import main
from tf1repro.legacy import run_recorded, run_script
from tf1repro.record import Record, RecordError
from tf1repro.recording.reader import Recording, load_recordings

CORPUS = ROOT / "tests" / "legacy_corpus"
ARTICLE = CORPUS / "article_batch_stochastic.py"
TIMEOUT = 300.0

#: Its TF2 port; ``{reduce}`` is reduce_mean, or reduce_sum for the deliberately wrong one.
LINE_PORT = """
from tf1repro.recording.port import Port
from tf1repro.tutorial import V2Port


class Line(Port):
    names = {{"Placeholder": "x", "Placeholder_1": "y", "Mean": "loss"}}

    def port_v2(self, tf, initial):
        w = tf.Variable(initial["w"])
        b = tf.Variable(initial["b"])

        def forward(feeds):
            return {{"loss": tf.{reduce}(tf.square(feeds["x"] * w + b - feeds["y"]))}}

        return V2Port({{"w": w, "b": b}}, forward, tf.compat.v1.train.MomentumOptimizer(0.05, 0.9))
"""

#: Dropout in the loss: reading the loss again would draw a new mask.
DROPOUT_SCRIPT = """
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 4])
w = tf.Variable(tf.random_normal([4, 1]))
loss = tf.reduce_mean(tf.square(tf.nn.dropout(tf.matmul(x, w), keep_prob=0.5)))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
data = np.random.normal(size=(8, 4))
for i in range(6):
    print(sess.run([train, loss], feed_dict={x: data})[1])
print(" ".join(repr(float(v)) for v in sess.run(w).ravel()))
"""


#: The training call fetches a variable and the loss too: each tensor is read once after the
#: step, and each recorded name gets its own tensor's value.
FETCHED_VARIABLE_SCRIPT = """
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None])
w = tf.Variable(tf.random_normal([]), name="w")
b = tf.Variable(tf.zeros([3]), name="b")
loss = tf.reduce_mean(tf.square(x * w + tf.reduce_sum(b) - 1.0))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(5):
    print(sess.run([train, loss, w], feed_dict={x: np.arange(4.0) + i})[1:])
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run folders by label: each script with --record (and without, for its stdout)."""
    top = tmp_path_factory.mktemp("record")
    scripts = top / "scripts"
    scripts.mkdir()
    (scripts / "line.py").write_text(LINE_SCRIPT)
    (scripts / "dropout.py").write_text(DROPOUT_SCRIPT)
    (scripts / "fetched.py").write_text(FETCHED_VARIABLE_SCRIPT)
    jobs = {
        "article": (ARTICLE, Recording()),
        "article-plain": (ARTICLE, None),
        "line": (scripts / "line.py", Recording()),
        "line-plain": (scripts / "line.py", None),
        "line-cut": (scripts / "line.py", Recording(steps=7)),
        "dropout": (scripts / "dropout.py", Recording()),
        "dropout-plain": (scripts / "dropout.py", None),
        "softmax": (CORPUS / "softmax_classifier.py", Recording()),
        "softmax-plain": (CORPUS / "softmax_classifier.py", None),
        "linear": (CORPUS / "linear_regression.py", Recording()),
        "linear-plain": (CORPUS / "linear_regression.py", None),
        "fetched": (scripts / "fetched.py", Recording()),
    }

    def run(label: str) -> None:
        script, record = jobs[label]
        made = run_script(script, top / label, seed=0, timeout=TIMEOUT, record=record)
        assert made.status == "ok", (label, made.reason)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(run, jobs))
    return {label: top / label for label in jobs} | {"scripts": scripts}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["article", "line", "dropout", "softmax", "linear"])
def test_recording_leaves_the_output_unchanged(runs: dict[str, Path], name: str) -> None:
    recorded = (runs[name] / "stdout.txt").read_bytes()
    assert recorded  # every one prints its numbers
    assert recorded == (runs[f"{name}-plain"] / "stdout.txt").read_bytes()
    plain = json.loads((runs[f"{name}-plain"] / "run.json").read_text())
    assert plain["records"] == [] and not list(runs[f"{name}-plain"].glob("record_*.json"))


@pytest.mark.slow
def test_article_recording_is_the_reproduction_bit_for_bit(runs: dict[str, Path]) -> None:
    """The unmodified script, recorded with --seed 0, holds exactly what `reproduce --seed 0`
    computes: feeds, initial A, A after every step and the loss after every step (0 ulp)."""
    recordings = load_recordings(runs["article"])
    assert sorted(recordings) == [1, 2]
    for number, part, loss in ((1, "stochastic", "Square"), (2, "batch", "Mean")):
        recorded, reproduced = recordings[number], train(part, seed=0)
        assert recorded.steps == reproduced.steps == 100
        assert list(recorded.fetches) == [loss]
        pairs = (
            (recorded.initial["Variable"], reproduced.initial["A"]),
            (recorded.variables["Variable"], reproduced.variables["A"]),
            (recorded.fetches[loss], reproduced.fetches["loss"]),
            (recorded.feeds["Placeholder"], reproduced.feeds["x"]),
            (recorded.feeds["Placeholder_1"], reproduced.feeds["y"]),
        )
        for mine, theirs in pairs:
            assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
            assert mine.tobytes() == theirs.tobytes()


@pytest.mark.slow
def test_a_port_matches_the_recording_at_0_ulp(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = tmp_path / "line_port.py"
    port.write_text(textwrap.dedent(LINE_PORT.format(reduce="reduce_mean")))
    record = str(runs["line"])
    code = main(["compare", "--record", record, "--port", str(port), "--tolerance", "0", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["passed"]
    (row,) = report["rows"]
    assert {q["quantity"]: q["ulps"] for q in row["quantities"]} == {
        "w": 0,
        "b": 0,
        "Mean (loss)": 0,
    }
    assert main(["diagnose", "--record", record, "--port", f"{port}:Line"]) == 0
    assert "agree within 0 ulps at every step" in capsys.readouterr().out


@pytest.mark.slow
def test_a_wrong_port_is_diagnosed(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """reduce_sum for the script's reduce_mean: the forward pass differs from step 1 on."""
    port = tmp_path / "wrong_port.py"
    port.write_text(textwrap.dedent(LINE_PORT.format(reduce="reduce_sum")))
    record = str(runs["line"])
    assert main(["compare", "--record", record, "--port", str(port), "--tolerance", "0"]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["diagnose", "--record", record, "--port", str(port), "--json"]) == 1
    (diagnosis,) = json.loads(capsys.readouterr().out)
    assert diagnosis["step"] == 1
    assert (diagnosis["stage"], diagnosis["quantity"]) == ("forward", "Mean")


@pytest.mark.slow
def test_the_article_port_matches_both_graphs(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    port = ROOT / "tests" / "data" / "ports" / "article_port.py"
    args = ["compare", "--record", str(runs["article"]), "--port", str(port), "--tolerance", "0"]
    assert main(args) == 0
    assert "all 2 pairs within 0 ulps" in capsys.readouterr().out


@pytest.mark.slow
def test_a_variable_the_training_call_fetches_is_read_once_under_each_name(
    runs: dict[str, Path],
) -> None:
    record = load_recordings(runs["fetched"])[1]
    assert record.steps == 5 and list(record.variables) == ["w", "b"]
    assert list(record.fetches) == ["Mean", "w"]
    assert record.fetches["w"].tobytes() == record.variables["w"].tobytes()
    # The loss after each step, from the variables after it, on that step's feeds (NumPy sums
    # in another order than TensorFlow's kernel: rel 1e-5, about 80 float32 ulps, is loose for
    # that and far too tight for any other recorded column to pass).
    w, b, x = record.variables["w"], record.variables["b"], record.feeds["Placeholder"]
    for step in range(5):
        error = x[step] * w[step] + np.float32(b[step].sum()) - np.float32(1.0)
        assert record.fetches["Mean"][step] == pytest.approx(np.mean(np.square(error)), rel=1e-5)


@pytest.mark.slow
def test_records_kept_in_memory_are_the_written_ones(runs: dict[str, Path], tmp_path: Path) -> None:
    # What `tf1repro port` compares: the records, not written in the run folder.
    script = runs["scripts"] / "line.py"
    out = tmp_path / "run"
    made, records = run_recorded(
        script, out, seed=0, timeout=TIMEOUT, record=Recording(files=False)
    )
    assert made.status == "ok" and made.records == []
    assert not list(out.glob("record_*.json"))
    assert json.loads((out / "run.json").read_text())["records"] == []
    written = load_recordings(runs["line"])
    assert dict(enumerate(records, start=1)) == written
    for number, record in written.items():
        assert records[number - 1].to_json() == record.to_json()


@pytest.mark.slow
def test_legacy_run_record_prints_what_it_recorded(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = runs["scripts"] / "line.py"
    argv = ["legacy", "run", str(script), "--seed", "0", "--out", str(tmp_path), "--record"]
    assert main(argv) == 0
    lines = capsys.readouterr().err.splitlines()
    assert "1 graph(s) recorded" in lines[-5]
    (record,) = load_recordings(tmp_path).values()
    assert record.to_json() == load_recordings(runs["line"])[1].to_json()
    assert lines[-4] == "record_1.json (graph 1): 40 steps"
    labels = [line.split(":")[0].strip() for line in lines[-3:]]
    assert labels == ["placeholders", "variables", "fetches"]


@pytest.mark.slow
def test_record_steps_cuts_and_says_so(runs: dict[str, Path]) -> None:
    (cut,) = load_recordings(runs["line-cut"]).values()
    (full,) = load_recordings(runs["line"]).values()
    assert cut.steps == 7 and full.steps == 40
    assert cut.source["cut"] == "after step 7 (--record-steps)" and "cut" not in full.source
    for name, values in full.variables.items():
        assert values[:7].tobytes() == cut.variables[name].tobytes()


@pytest.mark.slow
def test_a_fetch_that_draws_random_numbers_is_not_read_again(runs: dict[str, Path]) -> None:
    (record,) = load_recordings(runs["dropout"]).values()
    assert record.steps == 6 and list(record.fetches) == []
    note = record.source["not recorded: Mean"]
    assert "stateful op" in note and "dropout" in note
    # The variable after the last step is what the script printed at its end.
    printed = (runs["dropout"] / "stdout.txt").read_text().splitlines()[-1]
    values = np.array(printed.split(), dtype=np.float64).astype(np.float32)
    assert np.array_equal(record.variables["Variable"][-1].ravel(), values)


def test_record_source_round_trips_and_is_checked() -> None:
    record = Record(
        tutorial="script.py#1",
        backend="legacy",
        config={},
        seed=0,
        versions={},
        feeds={"Placeholder": np.zeros((2, 1), np.float32)},
        initial={"Variable": np.ones(1, np.float32)},
        variables={"Variable": np.ones((2, 1), np.float32)},
        fetches={},
        source={"script": "script.py", "cut": "after step 2 (--record-steps)"},
    )
    data = record.to_dict()
    assert Record.from_dict(json.loads(json.dumps(data))) == record
    data["source"] = {"cut": 2}
    with pytest.raises(RecordError) as error:
        Record.from_dict(data)
    assert error.value.field == "source.cut"


@pytest.mark.parametrize(
    "argv",
    [
        ["legacy", "run", str(ARTICLE), "--record-steps", "0"],
        ["compare", "--record", "{tmp}"],
        ["compare", "--port", "{tmp}/port.py"],
        ["diagnose", "--record", "{tmp}", "--port", "{tmp}/missing.py"],
        ["compare", "--record", "{tmp}/nothing", "--port", "{tmp}/port.py"],
    ],
)
def test_bad_input_is_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "run.json").write_text(json.dumps({"records": ["record_1.json"]}))
    before = sorted(tmp_path.rglob("*"))
    assert main([part.format(tmp=tmp_path) for part in argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before
