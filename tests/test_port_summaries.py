"""``tf1repro port`` on TF1 summaries: ``tf.summary.scalar``/``histogram``, ``merge_all`` or
``merge``, fetched with the training op and written by ``writer.add_summary(summary, step)``.

The rewrite is checked without TensorFlow (the sites of ``summaries.py``'s one graph given by
hand); under ``-m slow`` the whole port is proved, and the event files the original and the port
write are read back and compared tag by tag, step by step.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from conftest import ROOT
from test_port import code_of, line_of, tf1_constructs, wb_regression_sites

from tf1repro.cli import main
from tf1repro.recording.constructs import unportable
from tf1repro.recording.rewrite import rewrite
from tf1repro.recording.sites import GraphSites
from tf1repro.recording.summaries import SummaryOp, values_function
from tf1repro.recording.translate import Unportable

SUMMARIES = ROOT / "tests" / "data" / "port_constructs" / "summaries.py"
RUN = "_, cost, summary = sess.run([train, loss, merged], feed_dict=feed)"


def summaries_sites(source: str, tags: dict[str, tuple[str, ...]] | None = None) -> GraphSites:
    """The one graph of ``summaries.py`` (or of a variant) as the recorder describes it; the
    summaries' tags by the text of their lines (those TF1 gave ``summaries.py``'s by default:
    ``w_1``, the name scope ``w`` being the variable's)."""
    if tags is None:
        tags = {
            'scalar("loss"': ("loss",),
            'histogram("w"': ("w_1",),
            'histogram("residuals"': ("residuals",),
        }
    summaries = {line_of(source, text): found for text, found in tags.items()}
    return wb_regression_sites(source, 15, summaries=summaries)


def ported(source: str, tags: dict[str, tuple[str, ...]] | None = None) -> str:
    return rewrite(source, [summaries_sites(source, tags)], seed=0).code


def test_summaries_become_values_the_training_step_returns_and_a_writing_function() -> None:
    source = SUMMARIES.read_text()
    assert unportable(cst.parse_module(source)) == []
    code = ported(source)
    assert tf1_constructs(code) == []
    for tf1 in ("merge_all", "add_summary", "FileWriter", "sess.graph"):
        assert tf1 not in code_of(code)
    # The values merged summarises, by the tags TF1 gave them; the variable read, not returned
    # as the variable (which a training step returns as it is after the update).
    assert (
        "def merged(x, y):\n"
        '    return {"loss": loss(x, y), "w_1": tf.identity(w), "residuals": output(x) - y}\n'
    ) in code
    assert (
        "def write_merged(writer, summary, step):\n"
        "    with writer.as_default(step=step):\n"
        '        tf.summary.scalar("loss", summary["loss"])\n'
        '        tf.summary.histogram("w_1", summary["w_1"])\n'
        '        tf.summary.histogram("residuals", summary["residuals"])\n'
    ) in code
    # Computed before the update is applied, as the fetched loss is.
    assert (
        "    gradients = tape.gradient(loss_value, [w, b])\n"
        "    merged_value = merged(x, y)\n"
        "    optimizer.apply_gradients(zip(gradients, [w, b]))\n"
        "    return loss_value, merged_value\n"
    ) in code
    assert (
        "        cost, summary = train(**feed)\n"
        "        cost = cost.numpy()\n"
        "        # Written at the step's number\n"
        "        write_merged(writer, summary, epoch * 5 + i)\n"
    ) in code
    # The comments above the summary ops stay above what replaces them, once.
    assert code.count("# Written at") == 1
    assert (
        "\n\n# What TensorBoard shows: the loss, the weights and the residuals, at every " in code
    )
    compile(code, "summaries_tf2.py", "exec")


def test_a_merge_of_named_summaries_defined_before_the_training_op() -> None:
    source = SUMMARIES.read_text()
    summaries = source[source.index("# What TensorBoard") : source.index("sess = tf.Session")]
    merged = (
        'with tf.name_scope("Loss"):\n'
        '    loss_summary = tf.summary.scalar("loss", loss)\n'
        'w_summary = tf.summary.histogram("w", w)\n'
        "merged = tf.summary.merge([loss_summary])\n"
    )
    train = "train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)\n"
    variant = source.replace(summaries, "").replace(train, merged + train)
    code = ported(variant, {"scalar(": ("Loss/loss",), "histogram(": ("w_1",)})
    # Only what merge() merged, under its tag; it needs x and y, as train has them.
    assert 'def merged(x, y):\n    return {"Loss/loss": loss(x, y)}\n' in code
    assert '        tf.summary.scalar("Loss/loss", summary["Loss/loss"])\n' in code
    assert "histogram" not in code
    assert "    merged_value = merged(x, y)\n" in code
    assert 'with tf.name_scope("Loss"):\n    pass\n' in code


def test_a_training_op_fetched_with_and_without_its_summary() -> None:
    source = SUMMARIES.read_text()
    also = source.replace(
        "    print(epoch, cost)",
        "    print(epoch, sess.run([train, loss], {x: x_vals, y: y_vals}))",
    )
    code = ported(also)
    # It returns the summary too: the loss is its first value.
    assert "print(epoch, [None, train(x=x_vals, y=y_vals)[0].numpy()])" in code


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'tf.summary.histogram("w", w)',
            "for v in [w, b]:\n    tf.summary.histogram(v.name, v)",
            "a summary that no recorded graph made once (a loop?)",
        ),
        (
            'tf.summary.scalar("loss", loss)',
            'tf.summary.scalar("loss", loss, collections=["mine"])',
            "tf.summary.scalar with collections (port by hand)",
        ),
        (
            "writer.add_summary(summary, epoch * 5 + i)",
            "writer.add_summary(summary)",
            "add_summary without a step (a TF2 summary needs one)",
        ),
        (
            "writer.add_summary(summary, epoch * 5 + i)",
            "writer.add_summary(sess.run(merged, {x: x_vals, y: y_vals}), i)",
            "fetches the summary merged without a training op of minimize()",
        ),
        (
            RUN,
            RUN.replace("_, cost, summary =", "t, cost, summary ="),
            "keeps the None that sess.run gave for train (port it by hand)",
        ),
        (
            RUN,
            RUN.replace("_, cost, summary =", "fetched =") + "\n        _, cost, summary = fetched",
            "fetches the summary merged with the training op other than in ",
        ),
    ],
)
def test_what_is_not_ported_is_refused_with_its_line(old: str, new: str, problem: str) -> None:
    source = SUMMARIES.read_text()
    assert old in source
    variant = source.replace(old, new)
    tags = None
    if "for v in" in new:  # one line, two summaries
        tags = {"scalar(": ("loss",), "(v.name": ("w_0", "b_0"), 'ram("residuals"': ("residuals",)}
    with pytest.raises(Unportable) as refused:
        rewrite(variant, [summaries_sites(variant, tags)], seed=0)
    assert any(p.split(": ", 1)[1].startswith(problem) for p in refused.value.problems), (
        refused.value.problems
    )
    # The line of the statement refused: the last one written, or the run.
    where = [line for line in new.splitlines() if "sess.run" in line] or new.splitlines()[-1:]
    assert refused.value.problems[0].startswith(f"line {line_of(variant, where[0].strip())}:")


def test_many_values_are_returned_one_a_line() -> None:
    ops = [SummaryOp("scalar", f"Accuracy/accuracy_{n}", cst.Name("acc"), 1) for n in range(3)]
    made = values_function("merged", ("x",), ops, "tf", lambda name: cst.parse_expression("a(x)"))
    assert cst.Module([made]).code == (
        "def merged(x):\n"
        "    return {\n"
        '        "Accuracy/accuracy_0": a(x),\n'
        '        "Accuracy/accuracy_1": a(x),\n'
        '        "Accuracy/accuracy_2": a(x),\n'
        "    }\n"
    )


def test_other_summary_kinds_are_refused_before_anything_runs() -> None:
    source = SUMMARIES.read_text().replace(
        'tf.summary.histogram("w", w)', 'tf.summary.image("w", w)'
    )
    assert unportable(cst.parse_module(source)) == [
        f"line {line_of(source, 'summary.image')}: tf.summary.image (only scalar and histogram "
        "summaries are ported)"
    ]


#: Reads the summaries of the event files in each folder given (a child process: the tests'
#: own process does not import TensorFlow): tag -> step -> what is compared.
EVENTS = """
import json, sys
import numpy as np
import tensorflow as tf

def read(folder):
    found = {}
    for path in sorted(__import__("glob").glob(folder + "/events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.HasField("histo"):  # TF1's HistogramProto
                    seen = [value.histo.num, value.histo.min, value.histo.max]
                elif value.metadata.plugin_data.plugin_name == "histograms":
                    buckets = tf.make_ndarray(value.tensor)  # TF2's (left, right, count) rows
                    seen = [buckets[:, 2].sum(), buckets[0, 0], buckets[-1, 1]]
                elif value.HasField("tensor"):  # TF2's scalar: a float32 tensor
                    seen = tf.make_ndarray(value.tensor).astype(np.float32).tobytes().hex()
                else:  # TF1's scalar: a float32 simple_value
                    seen = np.float32(value.simple_value).tobytes().hex()
                found.setdefault(value.tag, {})[event.step] = seen
    return found

print(json.dumps([read(folder) for folder in sys.argv[1:]], default=float))
"""


@pytest.mark.slow
def test_summaries_port_exact_and_write_the_original_summaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["port", str(SUMMARIES), "--out", str(tmp_path / "port"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "exact" and result["worst_ulps"] == 0, result
    run = tmp_path / "run"
    assert main(["legacy", "run", str(SUMMARIES), "--seed", "0", "--out", str(run)]) == 0
    # The port, run alone, seeds itself as `legacy run --seed 0` did.
    work = tmp_path / "work"
    work.mkdir()
    program = tmp_path / "port" / "summaries_tf2.py"
    alone = subprocess.run(
        [sys.executable, str(program)], cwd=work, capture_output=True, text=True, check=False
    )
    assert alone.returncode == 0, alone.stderr[-2000:]
    folders = [str(run / "files" / "logs"), str(work / "logs")]
    read = subprocess.run(
        [sys.executable, "-c", EVENTS, *folders], capture_output=True, text=True, check=False
    )
    assert read.returncode == 0, read.stderr[-2000:]
    original, port = json.loads(read.stdout)
    # TF1 tagged the histogram of w "w_1": the variable w holds the name scope "w".
    assert sorted(original) == ["loss", "residuals", "w_1"]
    assert all(sorted(map(int, steps)) == list(range(15)) for steps in original.values())
    # Scalars bit for bit; histograms by count, min and max, bit for bit: TF1 buckets a
    # histogram exponentially, TF2 in 30 equal buckets between min and max, so the buckets
    # themselves are not comparable, but the values they bucket are bounded by the same
    # extremes and counted the same.
    assert {tag: port[tag] for tag in ("loss", "residuals")} == {
        tag: original[tag] for tag in ("loss", "residuals")
    }
    # TF1's histogram of the variable itself reads w in the same run as the update, with no
    # order between the two (nothing the update needs depends on it): measured, it found w
    # before or after that step's update, from run to run. The port's is the value before the
    # update, so TF1's step k is the port's step k or k + 1 (the last step's value after its
    # update is written by neither side's next step, so it ends the comparison).
    for step in range(14):
        before, after = port["w_1"][str(step)], port["w_1"][str(step + 1)]
        assert original["w_1"][str(step)] in (before, after), step
    assert port["w_1"]["0"] != port["w_1"]["1"]  # the two readings are told apart
