"""``tf1repro port`` on the constructs of the TensorFlow-Examples MNIST scripts, restated in
``tests/data/port_constructs/mnist_mlp.py``: MNIST read with ``input_data`` (before TensorFlow
is imported), variables kept in dicts, layers built by a function of the script,
``reduction_indices=``, and an accuracy evaluated with ``Tensor.eval``.

The rewrite is checked without TensorFlow (the graph's sites given by hand); the whole port, on
fake MNIST files (``tf1repro.testing.write_mnist``), runs under ``-m slow``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from conftest import ROOT, run_python
from test_port import code_of, line_of, tf1_constructs, xy_placeholders

from tf1repro.cli import main
from tf1repro.recording.constructs import unportable
from tf1repro.recording.rewrite import rewrite
from tf1repro.recording.sites import GraphSites, RandomSite
from tf1repro.recording.tf2_recorder import variable
from tf1repro.recording.translate import Unportable
from tf1repro.testing import write_mnist

MNIST_MLP = ROOT / "tests" / "data" / "port_constructs" / "mnist_mlp.py"


def mlp_sites(source: str) -> GraphSites:
    """The one graph of ``mnist_mlp.py`` as the recorder describes it at seed 0 (op seeds 3
    and 4: the ops ``read_data_sets`` made before it count)."""
    hidden, out = line_of(source, '"hidden": tf.Variable(tf.r'), line_of(source, '"out": tf.V')
    return GraphSites(
        graph=1,
        steps=12,
        seed=0,
        variables={
            "Variable": hidden,
            "Variable_1": out,
            "Variable_2": line_of(source, '"hidden": tf.Variable(tf.z'),
            "Variable_3": line_of(source, '"out": tf.Variable', 2),
        },
        fetches={"Mean": line_of(source, "cost = tf.")},
        placeholders=xy_placeholders(source),
        train=(line_of(source, "train = tf.train"),),
        updates=("ApplyGradientDescent",),
        random=(
            RandomSite(hidden, "RandomStandardNormal", 0, 3),
            RandomSite(out, "RandomStandardNormal", 0, 4),
        ),
    )


def test_an_mnist_script_is_rewritten_with_its_data_code_dicts_and_model_function() -> None:
    source = MNIST_MLP.read_text()
    assert unportable(cst.parse_module(source)) == []
    made = rewrite(source, [mlp_sites(source)], seed=0)
    assert tf1_constructs(made.code) == []
    code = code_of(made.code)
    # TF 2 has no input_data: tf1repro's reads the same files and draws the same batches,
    # seeded by TensorFlow's global seed, so TensorFlow is imported and seeded before it.
    assert "from tf1repro.mnist import input_data" in made.code
    assert made.code.index("tf.random.set_seed(0)") < made.code.index("mnist = input_data")
    assert made.code.count("import tensorflow as tf") == 1
    assert "batch_x, batch_y = mnist.train.next_batch(10)" in made.code
    # The dicts stay, seeded as TF1 seeded them; the step differentiates their items.
    assert "tf.random.normal([784, 16], stddev=0.05, seed=3)" in made.code
    assert (
        "gradients = tape.gradient(\n"
        '        cost_value, [weights["hidden"], weights["out"], biases["hidden"], biases["out"]]\n'
        "    )\n"
    ) in made.code
    assert made.steps[0].variables == {
        'weights["hidden"]': "Variable",
        'weights["out"]': "Variable_1",
        'biases["hidden"]': "Variable_2",
        'biases["out"]': "Variable_3",
    }
    # The script's model function is TF2 code as it is: its locals are not tensor functions.
    assert "def hidden(" not in code and "def model(images):" in made.code
    assert "def pred(x):\n    return tf.nn.softmax(model(x))" in made.code
    assert "tf.reduce_sum(y * tf.math.log(pred(x) + 1e-9), axis=1)" in made.code
    # accuracy.eval(feed) was sess.run(accuracy, feed): its traced twin is called.
    assert "evaluate_accuracy(x=mnist.test.images, y=mnist.test.labels).numpy()" in made.code
    compile(made.code, "mnist_mlp_tf2.py", "exec")


def test_the_public_mnist_reader_is_the_legacy_stand_in_and_imports_no_tensorflow() -> None:
    """One implementation: ``legacy run`` loads the file of ``tf1repro.mnist.input_data`` (the
    module a port imports) as ``tensorflow.examples.tutorials.mnist.input_data``."""
    from tf1repro.legacy import bootstrap

    probe = (
        "import sys\n"
        "from tf1repro.mnist import input_data\n"
        "print(input_data.__file__, 'tensorflow' in sys.modules)"
    )
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    path, tensorflow = result.stdout.split()
    assert Path(path) == bootstrap.MNIST_READER and tensorflow == "False"
    assert str(bootstrap.MNIST_READER) in bootstrap.RUNNER_FILES


def test_two_variables_of_a_dict_on_one_line_are_refused_with_the_line() -> None:
    source = MNIST_MLP.read_text()
    one_line = source.replace(
        '"hidden": tf.Variable(tf.zeros([16])),\n    "out"',
        '"hidden": tf.Variable(tf.zeros([16])), "out"',
    )
    with pytest.raises(Unportable) as refused:
        rewrite(one_line, [mlp_sites(one_line)], seed=0)
    line = line_of(one_line, '"hidden": tf.Variable(tf.z')
    assert refused.value.problems[0] == f"line {line}: two variables of biases on one line"


def test_dropout_is_refused_with_its_line() -> None:
    code = "import tensorflow as tf\nh = tf.placeholder(tf.float32)\nd = tf.nn.dropout(h, 0.5)\n"
    assert unportable(cst.parse_module(code)) == [
        "line 3: tf.nn.dropout (TF1 drew its masks from one stream in training and evaluation "
        "runs alike; not ported yet)"
    ]


@pytest.mark.slow
def test_an_mnist_script_ports_at_0_ulp_on_fake_mnist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 10 of the 50 go to validation: 40 training examples, 4 batches an epoch, 3 epochs.
    write_mnist(tmp_path / "mnist", train=50, test=20)
    out = tmp_path / "ported"
    command = ["port", str(MNIST_MLP), "--data-dir", str(tmp_path / "mnist"), "--out", str(out)]
    assert main([*command, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "exact" and result["worst_ulps"] == 0, result
    assert "12 steps" in result["reason"]
    # Run alone from a folder holding the files where the script reads them (data/), it prints
    # what the original printed (the proof compared them number by number already).
    work = tmp_path / "work"
    write_mnist(work / "data", train=50, test=20)
    program = out / "mnist_mlp_tf2.py"
    alone = subprocess.run(
        [sys.executable, str(program)], cwd=work, capture_output=True, text=True, check=False
    )
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert alone.stdout.splitlines()[0].startswith("epoch 1 cost ")
    assert alone.stdout.splitlines()[-1].startswith("accuracy ")


def test_the_recorder_finds_a_variable_of_a_dict_by_its_item() -> None:
    # What the training step names ``weights["hidden"]`` is looked up in the program's globals.
    hidden, plain = object(), object()
    names = {"weights": {"hidden": hidden, 3: plain}, "b": plain}
    assert variable(names, 'weights["hidden"]') is hidden
    assert variable(names, "weights['hidden']") is hidden
    assert variable(names, "weights[3]") is plain and variable(names, "b") is plain
