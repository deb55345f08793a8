"""The layout of what ``tf1repro port`` writes: each statement the port makes or moves laid out
as ``ruff format`` lays it out (100 columns), the script's own statements as the author wrote
them (``tf1repro/recording/layout.py``).

Checked without TensorFlow: the programs are rewritten from the scripts' sites given by hand
(``test_port*.py``); whole ports check the same layout under ``-m slow``
(``test_port.port_and_run_alone``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from test_port import (
    ARTICLE,
    ORACLES,
    article_sites,
    layout_problems,
    line_of,
    xy_placeholders,
)
from test_port_constructs import DENSE, SAVER_WRITER, dense_sites, saver_writer_sites
from test_port_mnist import MNIST_MLP, mlp_sites

from tf1repro.recording.layout import code_laid_out
from tf1repro.recording.rewrite import rewrite
from tf1repro.recording.sites import GraphSites, RandomSite

ELASTIC_NET = ORACLES / "cookbook03_elastic_net.py"
RUFF = [sys.executable, "-m", "ruff"]
ISOLATED = ["--isolated", "--no-cache", "--line-length", "100"]


def elastic_net_sites(source: str) -> list[GraphSites]:
    """The one graph of the elastic-net oracle as the recorder describes it (the recipe seeds
    its graph with 13; TF1 gave its two initialisers the op seeds 0 and 1)."""
    a, b = line_of(source, "A = tf.Variable"), line_of(source, "b = tf.Variable")
    return [
        GraphSites(
            graph=1,
            steps=1000,
            seed=13,
            variables={"Variable": a, "Variable_1": b},
            fetches={"ExpandDims": line_of(source, "loss = tf.")},
            placeholders=xy_placeholders(source),
            train=(line_of(source, "train = tf.train"),),
            updates=("ApplyGradientDescent",),
            random=(
                RandomSite(a, "RandomStandardNormal", 13, 0),
                RandomSite(b, "RandomStandardNormal", 13, 1),
            ),
        )
    ]


#: Scripts (each laid out by ``ruff format``) and their graphs' sites.
SCRIPTS: dict[str, tuple[Path, Callable[[str], list[GraphSites]]]] = {
    "elastic_net": (ELASTIC_NET, elastic_net_sites),
    "dense_layers": (DENSE, lambda source: [dense_sites(source)]),
    "mnist_mlp": (MNIST_MLP, lambda source: [mlp_sites(source)]),
    "saver_writer": (SAVER_WRITER, lambda source: [saver_writer_sites(source)]),
    "article": (ARTICLE, article_sites),
}


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each script's TF2 program, written to a file."""
    folder = tmp_path_factory.mktemp("programs")
    written = {}
    for name, (script, sites) in SCRIPTS.items():
        source = script.read_text()
        written[name] = folder / f"{name}_tf2.py"
        written[name].write_text(rewrite(source, sites(source), seed=0).code)
    return written


def test_an_expression_moved_into_a_function_is_indented_under_its_return(
    programs: dict[str, Path],
) -> None:
    # The script wrote the loss on three lines at the top level; in `def loss` its
    # continuation line is one level deeper than `return`, the bracket back at its column.
    assert (
        "def loss(x, y):\n"
        "    return tf.expand_dims(\n"
        "        tf.add(tf.add(tf.reduce_mean(tf.square(y - prediction(x))), l1_term()), "
        "l2_term()), 0\n"
        "    )\n"
    ) in programs["elastic_net"].read_text()


def test_what_the_port_writes_is_wrapped_at_100_columns(programs: dict[str, Path]) -> None:
    program = programs["dense_layers"].read_text()
    assert (
        "    optimizer.apply_gradients(\n"
        "        zip(gradients, [hidden_kernel, hidden_bias, output_kernel, output_bias])\n"
        "    )\n"
    ) in program
    assert max(len(line) for line in program.splitlines()) <= 100


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_the_lines_the_port_writes_fit_and_indent_their_continuations(
    name: str, programs: dict[str, Path]
) -> None:
    script = SCRIPTS[name][0].read_text()
    assert layout_problems(programs[name].read_text(), script) == []


def test_the_programs_of_formatted_scripts_pass_ruff(programs: dict[str, Path]) -> None:
    """Each script is ``ruff format``-clean (the project's own check): its program passes
    ``ruff check --select E,W`` and ``ruff format --check``, so what the port wrote and moved
    is laid out as ruff lays it out, and the strings it wrote take the script's quotes."""
    files = [str(path) for path in programs.values()]
    for command in (["check", "--select", "E,W"], ["format", "--check"]):
        done = subprocess.run([*RUFF, *command, *ISOLATED, *files], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "\n\n\ndef loss(x, y):" in programs["saver_writer"].read_text()


#: Statements of the kinds a port writes, each too long for one line at some depth.
LONG = "a_rather_long_name"
STATEMENTS = [
    f"return tf.reduce_mean(tf.square({LONG} - prediction(x))) + tf.reduce_mean(tf.abs({LONG}))",
    f"return {LONG} * {LONG} + {LONG} * {LONG} + tf.reduce_mean(tf.square({LONG} - {LONG}))",
    f"gradients = tape.gradient(loss_value, [{LONG}_1, {LONG}_2, {LONG}_3, {LONG}_4, {LONG}_5])",
    f"optimizer.apply_gradients(zip(gradients, [{LONG}_1, {LONG}_2, {LONG}_3, {LONG}_4, v_5]))",
    f"batch_loss = evaluate_loss(x={LONG}_images[rows], y={LONG}_labels[rows]).numpy()",
    f"optimizer = tf.keras.optimizers.Adam(learning_rate={LONG}_rate, beta_1=0.9, epsilon=1e-08)",
    f"x_spec = tf.TensorSpec(shape=[None, {LONG}_height, {LONG}_width, {LONG}_channels], dtype=t)",
    f"@tf.function(input_signature=[{LONG}_1_spec, {LONG}_2_spec, {LONG}_3_spec, {LONG}_4_spec])",
    f"value = f({LONG}_1, {LONG}_2, {LONG}_3, {LONG}_4, keyword={LONG}_5, other=-1.5, **{LONG}_6)",
    f"value = [[{LONG}_1, {LONG}_2, {LONG}_3], [{LONG}_4, {LONG}_5, {LONG}_6], [{LONG}_7, 1.0]]",
    f"value = {LONG}_1 if {LONG}_2 is not None and {LONG}_3 not in {LONG}_4 else -{LONG}_5 * 2",
    f"{LONG}_1, {LONG}_2 = evaluate_loss(x={LONG}_images, y={LONG}_labels), evaluate(x=1, y=2)",
    f'print("Step #" + str(step) + " A = " + str(A.numpy()) + " b = " + str(b.numpy()) + {LONG})',
    f"return [f({LONG}, item) for item in {LONG}_values if item is not None and item > {LONG}]",
    "value = f(\n    a,\n    b,\n)",
    "value = (a,)",
]


def test_statements_are_laid_out_as_ruff_formats_them(tmp_path: Path) -> None:
    """Each statement, at the top level and in one and two nested functions, comes out as
    ``ruff format`` writes it (one ruff run over all of them)."""
    ours, source = [], []
    for statement in STATEMENTS:
        for depth in range(3):
            column = 4 * depth
            nesting = "".join(f"{'    ' * level}def f{level}():\n" for level in range(depth))
            tail = "\ndef g():\n    pass" if statement.startswith("@") else ""
            laid_out = code_laid_out(statement, column)
            assert laid_out is not None
            ours.append(nesting + textwrap.indent(laid_out + tail, " " * column) + "\n")
            source.append(nesting + textwrap.indent(statement + tail, " " * column) + "\n")
    separator = "\n\n# --\n"
    module = tmp_path / "statements.py"
    module.write_text(separator.join(source))
    done = subprocess.run([*RUFF, "format", *ISOLATED, str(module)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    formatted = module.read_text().split(separator)
    assert len(formatted) == len(ours)
    for mine, theirs in zip(ours, formatted, strict=True):
        assert mine == theirs


def test_a_statement_with_a_comment_or_a_multiline_string_is_left_as_written() -> None:
    assert code_laid_out("x = f(\n    a,  # why a\n    b,\n)", 0) is None
    assert code_laid_out('x = f("""\n"""' + ", b)", 0) is None
    # Fitting on one line: one line, with the author's spacing between its tokens.
    assert code_laid_out("x = f(\n    a,\n    b)", 0) == "x = f(a, b)"
    assert code_laid_out("x = f(a,b)", 0) == "x = f(a,b)"


def test_the_script_s_own_statements_stay_as_the_author_wrote_them() -> None:
    """Only what the port writes or changes is laid out: the script's statements that it keeps
    (an odd layout, single quotes, a long line) come out character for character, and the
    keys of the feed dict it writes take the script's quotes."""
    odd = (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "\n"
        "data = np.array([1.0,2.0,\n"
        "                 3.0, 4.0])   # the author's layout\n"
        "x = tf.placeholder(tf.float32, [None])\n"
        "w = tf.Variable(tf.zeros([]))\n"
        "loss = tf.reduce_mean(tf.square(x * w - 1.0))\n"
        "train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)\n"
        "sess = tf.Session()\n"
        "sess.run(tf.global_variables_initializer())\n"
        "feed = {x: data}\n"
        "for i in range(3):\n"
        "    sess.run(train, feed_dict=feed)\n"
        "    print('step', i, 'of a loop whose print line the author kept long, longer than a "
        "hundred columns')\n"
        "    print('loss',\n"
        "          sess.run(loss, feed_dict=feed))\n"
    )
    sites = GraphSites(
        1, 3, 0, {"Variable": 7}, {"Mean": 8}, {"Placeholder": (6, "float32")}, (9,), (), ()
    )
    program = rewrite(odd, [sites], seed=0).code
    for line in odd.splitlines()[3:5] + odd.splitlines()[14:15]:
        assert line in program.splitlines()
    assert "feed = {'x': data}" in program
    # The print the port changed is laid out again (it fits on one line).
    assert "    print('loss', evaluate_loss(**feed).numpy())\n" in program
