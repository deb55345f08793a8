"""``tf1repro port`` on the TF1 constructs it ports besides the core ones: ``tf.train.Saver``
(a ``tf.train.Checkpoint``) and ``tf.summary.FileWriter`` (a TF2 summary writer).

The rewrite is checked without TensorFlow (the sites of the script's one graph given by hand);
the whole port, its proof and the checkpoints it writes and reads run under ``-m slow``.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from conftest import ROOT
from test_port import code_of, line_of, tf1_constructs, wb_regression_sites, xy_placeholders

from tf1repro.cli import main
from tf1repro.recording.checkpoints import checkpoint, file_writer, saver_call
from tf1repro.recording.constructs import dotted, unportable
from tf1repro.recording.imports import imports_ported, seed_lines
from tf1repro.recording.layers import (
    KINDS,
    dense_arguments,
    dense_value,
    glorot_limit,
    xavier_limit,
)
from tf1repro.recording.rewrite import rewrite
from tf1repro.recording.sites import GraphSites, RandomSite
from tf1repro.recording.translate import Unportable

SAVER_WRITER = ROOT / "tests" / "data" / "port_constructs" / "saver_writer.py"


def saver_writer_sites(source: str) -> GraphSites:
    """The one graph of ``saver_writer.py`` as the recorder describes it at seed 0."""
    return wb_regression_sites(source, 20)


def test_saver_and_file_writer_become_checkpoint_and_summary_writer() -> None:
    source = SAVER_WRITER.read_text()
    assert unportable(cst.parse_module(source)) == []
    made = rewrite(source, [saver_writer_sites(source)], seed=0)
    assert tf1_constructs(made.code) == []
    for tf1 in ("Saver", "FileWriter", "merge_all", "sess.graph"):
        assert tf1 not in code_of(made.code)
    # Saver() saves the variables made so far; max_to_keep has no meaning for write().
    assert "saver = tf.train.Checkpoint(w=w, b=b)" in made.code
    assert 'path = saver.write("{}-{}".format("model.ckpt", i + 1))' in made.code
    assert 'saver.read("model.ckpt-10").assert_consumed()' in made.code
    assert 'writer = tf.summary.create_file_writer("logs")' in made.code
    assert "writer.close()" in made.code
    # The script's comment above the writer stays with it.
    assert "# The graph for TensorBoard's Graphs tab\nwriter = " in made.code
    compile(made.code, "saver_writer_tf2.py", "exec")


def call(code: str) -> cst.Call:
    node = cst.parse_expression(code)
    assert isinstance(node, cst.Call)
    return node


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


@pytest.mark.parametrize(
    ("saver", "made"),
    [
        ("tf.train.Saver()", "tf.train.Checkpoint(W=W, b=b)"),
        ("tf.train.Saver([b])", "tf.train.Checkpoint(b=b)"),
        ("tf.train.Saver(var_list=(W,), max_to_keep=1)", "tf.train.Checkpoint(W=W)"),
        ("tf.train.Saver({'weights': W})", "tf.train.Checkpoint(weights=W)"),
    ],
)
def test_a_saver_saves_what_it_saved(saver: str, made: str) -> None:
    assert code(checkpoint(call(saver), "tf", ["W", "b"])) == made


@pytest.mark.parametrize(
    ("saver", "problem"),
    [
        ("tf.train.Saver()", "tf.train.Saver() before any named variable"),
        ("tf.train.Saver([v[0]])", "a variable that has no name of its own"),
        ("tf.train.Saver({'a/b': W})", "names are not identifiers"),
        ("tf.train.Saver(tf.global_variables())", "a var_list made elsewhere"),
        ("tf.train.Saver(defer_build=True)", "with defer_build"),
    ],
)
def test_a_saver_that_cannot_be_a_checkpoint_is_refused(saver: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        checkpoint(call(saver), "tf", [])


@pytest.mark.parametrize(
    ("v1", "v2"),
    [
        ("saver.save(sess, 'm.ckpt')", "saver.write('m.ckpt')"),
        ("saver.save(sess, path, global_step=3)", 'saver.write("{}-{}".format(path, 3))'),
        ("saver.restore(sess, path)", "saver.read(path).assert_consumed()"),
        ("tf.summary.FileWriter('logs', sess.graph)", "tf.summary.create_file_writer('logs')"),
        (
            "tf.summary.FileWriter(logdir='logs', graph=g, flush_secs=5)",
            "tf.summary.create_file_writer(logdir='logs', flush_secs=5)",
        ),
    ],
)
def test_saver_calls_and_writers_become_tf2_calls(v1: str, v2: str) -> None:
    node = call(v1)
    made = file_writer(node, "tf") if "FileWriter" in v1 else saver_call(node)
    assert code(made) == v2


@pytest.mark.slow
def test_a_saver_script_ports_at_0_ulp_and_its_checkpoints_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ported"
    assert main(["port", str(SAVER_WRITER), "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "exact" and result["worst_ulps"] == 0
    program = out / "saver_writer_tf2.py"
    assert tf1_constructs(program.read_text()) == []
    # Run alone: it writes two checkpoints, restores the first, and prints what the
    # original printed (the proof compared them number by number already).
    work = tmp_path / "work"
    work.mkdir()
    alone = subprocess.run(
        [sys.executable, str(program)], cwd=work, capture_output=True, text=True, check=False
    )
    assert alone.returncode == 0, alone.stderr[-2000:]
    lines = alone.stdout.splitlines()
    assert lines[0].startswith("10 model.ckpt-10 ") and lines[1].startswith("20 model.ckpt-20 ")
    numbers = [re.findall(r"-?\d+\.\d+", line) for line in lines]
    assert numbers[2] == numbers[0] != numbers[1]  # restored: the values at step 10
    assert (work / "model.ckpt-20.index").is_file() and list(work.glob("logs/events.out.*"))


@pytest.mark.slow
def test_the_port_reads_the_original_checkpoint_by_variable_name(tmp_path: Path) -> None:
    # The original's own checkpoint (TF1 names "w" and "b"), read by the port's Checkpoint.
    run = tmp_path / "run"
    assert main(["legacy", "run", str(SAVER_WRITER), "--seed", "0", "--out", str(run)]) == 0
    prefix = run / "files" / "model.ckpt-20"
    script = f"""
import numpy as np
import tensorflow as tf
import tensorflow.compat.v1 as v1
w = tf.Variable(0.0, name="w")
b = tf.Variable(0.0, name="b")
tf.train.Checkpoint(w=w, b=b).read({str(prefix)!r}).assert_consumed()
reader = v1.train.NewCheckpointReader({str(prefix)!r})
assert w.numpy() == reader.get_tensor("w") and b.numpy() == reader.get_tensor("b")
assert w.numpy() != 0.0
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_seeding_follows_the_imports_below_a_docstring() -> None:
    module = cst.parse_module('"""Doc."""\n\nimport numpy as np\nimport tensorflow as tf\nx = 1\n')
    made = imports_ported(module, seed_lines(module, "tf", 0, "seeded first")).code
    assert made.startswith('"""Doc."""\n\nimport numpy as np\nimport tensorflow as tf\n')
    assert made.index("np.random.seed(0)") < made.index("x = 1")


DENSE = ROOT / "tests" / "data" / "port_constructs" / "dense_layers.py"


def dense_sites(source: str) -> GraphSites:
    """The one graph of ``dense_layers.py`` as the recorder describes it at seed 0."""
    hidden, output = line_of(source, "hidden = tf.layers"), line_of(source, "output = tf.layers")
    return GraphSites(
        graph=1,
        steps=30,
        seed=0,
        variables={
            "dense/kernel": hidden,
            "dense/bias": hidden,
            "dense_1/kernel": output,
            "dense_1/bias": output,
        },
        fetches={"Mean": line_of(source, "loss = tf.")},
        placeholders=xy_placeholders(source),
        train=(line_of(source, "train = tf.train"),),
        updates=("ApplyGradientDescent",),
        random=(
            RandomSite(hidden, "RandomUniform", 0, 0),
            RandomSite(output, "RandomUniform", 0, 1),
        ),
        shapes={"dense/kernel": (4, 8), "dense/bias": (8,), "dense_1/kernel": (8, 1)},
    )


def test_dense_layers_become_their_variables_and_a_function() -> None:
    source = DENSE.read_text()
    assert unportable(cst.parse_module(source)) == []
    made = rewrite(source, [dense_sites(source)], seed=0)
    assert tf1_constructs(made.code) == [] and "layers" not in code_of(made.code)
    limit = repr(math.sqrt(3.0 / 6.0))  # TF1's Glorot bound for a 4 x 8 kernel
    # Too long for one line (100 columns): laid out as ruff format lays it out.
    assert (
        "hidden_kernel = tf.Variable(\n"
        f"    tf.random.uniform([4, 8], -{limit}, {limit}, seed=0)\n"
        ")\n"
    ) in made.code
    assert "hidden_bias = tf.Variable(tf.zeros([8]))" in made.code
    assert "return tf.nn.relu(tf.nn.bias_add(tf.matmul(x, hidden_kernel), hidden_bias))" in (
        made.code
    )
    assert "return tf.nn.bias_add(tf.matmul(hidden(x), output_kernel), output_bias)" in made.code
    assert made.steps[0].variables == {
        "hidden_kernel": "dense/kernel",
        "hidden_bias": "dense/bias",
        "output_kernel": "dense_1/kernel",
        "output_bias": "dense_1/bias",
    }
    compile(made.code, "dense_layers_tf2.py", "exec")


@pytest.mark.parametrize(
    ("layer", "problem"),
    [
        ("tf.layers.dense(x, 3, kernel_initializer=i)", "tf.layers.dense with kernel_initializer"),
        ("tf.layers.dense(x, 3, None, flag)", "use_bias is not True or False"),
        ("tf.layers.dense(x, 3, None, True, i)", "positional arguments after use_bias"),
        (
            "tf.contrib.layers.fully_connected(x, 3, None, normalizer_fn=n)",
            "tf.contrib.layers.fully_connected with normalizer_fn",
        ),
    ],
)
def test_a_dense_layer_the_port_cannot_write_is_refused(layer: str, problem: str) -> None:
    kind = KINDS[dotted(call(layer).func).partition(".")[2]]
    with pytest.raises(ValueError, match=re.escape(problem)):
        dense_arguments(call(layer), kind, "tf")


def test_fully_connected_is_relu_by_default_with_xavier_bound() -> None:
    kind = KINDS["contrib.layers.fully_connected"]
    layer = dense_arguments(call("tf.contrib.layers.fully_connected(h, 2)"), kind, "tf")
    assert (
        code(dense_value("tf", layer, "k", "b")) == "tf.nn.relu(tf.nn.bias_add(tf.matmul(h, k), b))"
    )
    linear = dense_arguments(call("tf.contrib.layers.fully_connected(h, 2, None)"), kind, "tf")
    assert linear.activation is None
    # tf-slim computes sqrt(3 * 1 / n), VarianceScaling sqrt(3 * (1 / n)): bounds of one kernel
    # shape may differ in float64's last bit, so each is computed as its initialiser does.
    assert xavier_limit((8, 1)) == math.sqrt(3.0 * 1.0 / 4.5)
    assert glorot_limit((8, 1)) == math.sqrt(3.0 * (1.0 / 4.5))


def test_other_layers_stay_refused_with_their_line() -> None:
    code = (
        "import tensorflow as tf\n"
        "h = tf.layers.dense(x, 3)\n"
        "f = tf.contrib.layers.fully_connected(h, 2)\n"
        "c = tf.layers.conv2d(h, 3, 3)\n"
        "g = tf.contrib.layers.flatten(f)\n"
    )
    assert unportable(cst.parse_module(code)) == [
        "line 4: tf.layers other than tf.layers.dense (not ported yet)",
        "line 5: tf.contrib is gone in TF2 (port its parts by hand)",
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("script", "seed"), [("dense_layers.py", 1), ("fully_connected.py", 0)])
def test_dense_layers_port_at_0_ulp_from_their_first_draw(
    script: str, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The proof compares the initial values too: the kernels are drawn as TF1 drew them.
    path = DENSE.parent / script
    assert main(["port", str(path), "--seed", str(seed), "--out", str(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "exact" and result["worst_ulps"] == 0, result
    program = (tmp_path / script.replace(".py", "_tf2.py")).read_text()
    assert tf1_constructs(program) == [] and "layers" not in code_of(program)


@pytest.mark.slow
def test_nn_losses_and_an_l2_penalty_port_at_0_ulp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = ROOT / "tests" / "data" / "port_constructs" / "nn_losses.py"
    assert main(["port", str(script), "--out", str(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "exact" and result["worst_ulps"] == 0, result
    program = (tmp_path / "nn_losses_tf2.py").read_text()
    assert tf1_constructs(program) == [] and "_v2(" not in program
    assert "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_index" in program
    assert "0.01 * tf.nn.l2_loss(W)" in program


@pytest.mark.slow
def test_a_sum_grappler_regroups_by_node_names_is_named_in_the_proof(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``(a * x + b) - 50.0``: computing the loss alone, grappler's constant push-down pairs
    the constant with the inner sum's second input once the inputs are sorted by node name;
    TF1 reads ``b`` as ``Variable_1/read``, TF2 as ``Add/ReadVariableOp``, so the two pick
    other terms. Measured (seed 0): the loss 3 ulps from step 1, then a variable 1 ulp from
    a later step (TF2's training step regroups the sum, TF1's does not), so it differs."""
    script = ROOT / "tests" / "data" / "port_constructs" / "regrouped_sum.py"
    assert main(["port", str(script), "--out", str(tmp_path), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "differs" and result["worst_ulps"] == 3, result
    line = line_of(script.read_text(), "loss = tf.square")
    cause = f"Square 3 ulps at most from step 1: grappler regroups Sub (line {line})"
    assert cause in result["reason"]
    assert "then Variable 1 ulps at most" in result["reason"]
    assert "where TF1's gradient reads the sum's shape" in result["reason"]


#: Two training ops in one graph (as cookbook 06/03 trains a sigmoid and a ReLU gate).
TWO_TRAININGS = """import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None])
a = tf.Variable(tf.zeros([]))
b = tf.Variable(tf.zeros([]))
loss1 = tf.reduce_mean(tf.square(x * a - 1.0))
loss2 = tf.reduce_mean(tf.square(x * b - 2.0))
opt = tf.train.GradientDescentOptimizer(0.1)
train1 = opt.minimize(loss1)
train2 = opt.minimize(loss2)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(3):
    sess.run(train1, feed_dict={x: np.ones(4)})
    sess.run(train2, feed_dict={x: np.ones(4)})
"""


def two_trainings_sites(trainers: tuple[int, ...]) -> GraphSites:
    """The sites of TWO_TRAININGS's graph, whose recording lists the training ops ``trainers``
    (by line)."""
    return GraphSites(
        1,
        6,
        0,
        {"Variable": 5, "Variable_1": 6},
        {"Mean": 7, "Mean_1": 8} if len(trainers) == 2 else {"Mean": 7},
        {"Placeholder": (4, "float32")},
        trainers,
        ("ApplyGradientDescent",),
        (),
        trainers=trainers,
    )


def test_each_training_op_of_one_graph_becomes_its_own_function() -> None:
    ported = rewrite(TWO_TRAININGS, [two_trainings_sites((10, 11))], seed=0)
    assert [(step.function, step.trainer) for step in ported.steps] == [
        ("train1", 0),
        ("train2", 1),
    ]
    assert "    train1(x=np.ones(4))\n    train2(x=np.ones(4))\n" in ported.code


def test_a_training_op_the_recording_does_not_hold_is_refused_with_its_line() -> None:
    # A recording that lists only the first training op (as before it listed every op).
    with pytest.raises(Unportable) as refused:
        rewrite(TWO_TRAININGS, [two_trainings_sites((10,))], seed=0)
    assert refused.value.problems == ["line 11: the training op trained no recorded graph"]


def shared(tf: Any, s: Any) -> Any:
    """``(s - 50)**2 + s``: the sum ``s`` read twice."""
    return tf.square(s - 50.0) + s


#: Losses of a variable ``a * x`` and ``b`` (placeholders ``x``, ``y``), and the sum of each
#: that the recorder notes (None: none).
SUMS: list[tuple[str, Callable[..., Any], str | None]] = [
    ("(a*x + b) - 50", lambda tf, a, b, x, y: tf.square(a * x + b - 50.0), "sub"),
    ("50 + (b - a*x)", lambda tf, a, b, x, y: tf.square(50.0 + (b - a * x)), "add"),
    # No variable among the inner sum's terms: both sides name them alike.
    ("(a*x + y) - 50", lambda tf, a, b, x, y: tf.square(a * x + y - 50.0), None),
    # No constant: nothing to push down.
    ("(a*x + b) - y", lambda tf, a, b, x, y: tf.square(a * x + b - y), None),
    # The sum read twice: constant push-down leaves a shared node alone.
    ("(s - 50)**2 + s", lambda tf, a, b, x, y: shared(tf, a * x + b), None),
]


@pytest.mark.slow
@pytest.mark.parametrize(("loss", "build", "op"), SUMS, ids=[case[0] for case in SUMS])
def test_the_recorder_notes_a_sum_grappler_regroups_by_node_names(
    loss: str, build: Callable[..., Any], op: str | None
) -> None:
    """Slow: it imports TensorFlow (15 s under load)."""
    import tensorflow as tf

    from tf1repro.recording.graph_structure import regrouped

    with tf.Graph().as_default():
        a = tf.compat.v1.Variable(1.0, use_resource=False)
        b = tf.compat.v1.Variable(1.0, use_resource=False)
        x = tf.compat.v1.placeholder(tf.float32)
        y = tf.compat.v1.placeholder(tf.float32)
        found = regrouped(build(tf, a, b, x, y).op)
        assert (found.name if found is not None else None) == op, loss
