"""``tf1repro port``: TF1-style oracles in, TF2 programs out, proven equal to the originals.

The rewrite itself is checked without TensorFlow (its sites are given by hand); the seed fact the
port rests on is checked in-process; whole ports (the original run, the program run, each in a
process of its own) run for the article at seed 0 in the default suite and for the other
oracles and seeds under ``-m slow``.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import tokenize
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from background import ORACLE_CASE
from conftest import LINE_SCRIPT, ROOT, start_process

from tf1repro.cli import main
from tf1repro.recording.constructs import unportable
from tf1repro.recording.rewrite import rewrite
from tf1repro.recording.sites import MAXINT32, GraphSites, RandomSite
from tf1repro.recording.translate import Unportable, optimizer_call

ORACLES = ROOT / "tests" / "oracle"
ARTICLE = ORACLES / "article_tf1.py"
#: What none of the generated programs may hold: the TF1 constructs the port removes.
TF1_CONSTRUCTS = (
    "placeholder",
    "Session",
    "feed_dict",
    "global_variables_initializer",
    "reset_default_graph",
    "compat.v1",
    "disable_v2_behavior",
    ".run(",
)
TIMEOUT = 900


def code_of(program: str) -> str:
    """``program`` without its comments (kept from the original, they may name anything),
    its tokens joined by single spaces, but for ``.`` and ``(``."""
    tokens = tokenize.generate_tokens(io.StringIO(program).readline)
    code = " ".join(token.string for token in tokens if token.type != tokenize.COMMENT)
    return code.replace(" . ", ".").replace(" (", "(")


def tf1_constructs(program: str) -> list[str]:
    """The TF1 constructs in ``program``'s code."""
    return [construct for construct in TF1_CONSTRUCTS if construct in code_of(program)]


def line_of(source: str, text: str, nth: int = 1) -> int:
    """The line (1-based) of the ``nth`` line of ``source`` that contains ``text``."""
    found = [n for n, line in enumerate(source.splitlines(), start=1) if text in line]
    return found[nth - 1]


def wb_regression_sites(source: str, steps: int, **more: Any) -> GraphSites:
    """The one graph, at seed 0, of a small regression script: variables ``w`` (seeded normal)
    and ``b``, placeholders ``x`` and ``y``, ``loss`` and ``train``; ``more`` adds fields."""
    w = line_of(source, "w = tf.Variable")
    return GraphSites(
        graph=1,
        steps=steps,
        seed=0,
        variables={"w": w, "b": line_of(source, "b = tf.V")},
        fetches={"Mean": line_of(source, "loss = tf.")},
        placeholders=xy_placeholders(source),
        train=(line_of(source, "train = tf.train"),),
        updates=("ApplyGradientDescent",),
        random=(RandomSite(w, "RandomStandardNormal", 0, 0),),
        **more,
    )


def xy_placeholders(source: str) -> dict[str, tuple[int, str]]:
    """The sites of a regression script's two float32 placeholders, ``x`` then ``y``."""
    return {
        "Placeholder": (line_of(source, "x = tf.placeholder"), "float32"),
        "Placeholder_1": (line_of(source, "y = tf.placeholder"), "float32"),
    }


def layout_problems(program: str, script: str) -> list[str]:
    """What is wrong with the layout of ``program``, the TF2 program of ``script``: a line the
    port wrote (not one of the script's) longer than 100 columns, a continuation line of a
    statement not deeper than the statement, or a closing bracket that starts a line elsewhere
    than at the indentation of the line that opened it."""
    own = {line.strip() for line in script.splitlines()}
    lines = program.splitlines()
    problems = [
        f"line {number}: {len(line)} columns"
        for number, line in enumerate(lines, start=1)
        if len(line) > 100 and line.strip() not in own
    ]
    layout = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    statement: tuple[int, int] | None = None  # the row and column where a statement starts
    indents: dict[int, int] = {}  # a row of the statement -> the column of its first token
    opened: list[int] = []  # the rows of the brackets open at a token
    last_row = 0
    for token in tokenize.generate_tokens(io.StringIO(program).readline):
        if token.type == tokenize.NEWLINE:
            statement = None
        if token.type in layout or token.type == tokenize.NEWLINE:
            continue
        row, column = token.start
        first = row > last_row
        if first:
            indents[row] = column
        if statement is None:
            statement = token.start
        elif first and token.string in ")]}":
            if column != indents[opened[-1]]:
                problems.append(f"line {row}: a closing bracket at column {column}")
        elif first and column <= statement[1]:
            problems.append(f"line {row}: continuation at column {column} of line {statement[0]}")
        if token.string in "([{" and token.type == tokenize.OP:
            opened.append(row)
        elif token.string in ")]}" and token.type == tokenize.OP:
            opened.pop()
        last_row = token.end[0]
    return problems


def article_sites(source: str) -> list[GraphSites]:
    """The article's two graphs as the recorder describes them (seed 0)."""
    graphs = []
    for part in (1, 2):
        variable = line_of(source, "A = tf.Variable", part)
        graphs.append(
            GraphSites(
                graph=part,
                steps=100,
                seed=0,
                variables={"Variable": variable},
                fetches={("Square", "Mean")[part - 1]: line_of(source, "loss = tf.", part)},
                placeholders={
                    "Placeholder": (line_of(source, "x_data = tf.placeholder", part), "float32"),
                    "Placeholder_1": (
                        line_of(source, "y_target = tf.placeholder", part),
                        "float32",
                    ),
                },
                train=(line_of(source, "train_step = my_opt.minimize", part),),
                updates=("ApplyGradientDescent",),
                random=(RandomSite(variable, "RandomStandardNormal", 0, MAXINT32),),
            )
        )
    return graphs


def test_the_article_is_rewritten_without_tf1_constructs() -> None:
    source = ARTICLE.read_text()
    made = rewrite(source, article_sites(source), seed=0)
    assert tf1_constructs(made.code) == []
    # The script's own data code, loop, prints and comments stay where they were.
    for kept in ("rand_index = np.random.choice(100)", 'print("Loss = " + str(temp_loss))'):
        assert kept in made.code
    assert "# Stochastic training" in made.code and "# Batch training" in made.code
    # Seeded as TF1 seeded it: graph seed, then the op seed TF1 gave the initialiser.
    assert made.code.count("tf.random.normal(shape=[1], seed=0)") == 1
    assert "tf.random.set_seed(0)" in made.code
    assert "tf.GradientTape()" in made.code and "my_opt.apply_gradients(" in made.code
    # Placeholders become the input signatures of traced functions, where they were declared.
    assert "x_data_spec = tf.TensorSpec(shape=[None, 1], dtype=tf.float32)" in made.code
    # One traced function per kind of `sess.run`, every tensor inlined in it: the training
    # step (tape and update) and the loss evaluated; the tensors are plain functions.
    assert made.code.count("@tf.function(input_signature=[x_data_spec, y_target_spec])") == 2
    signature = "input_signature=[x_data_spec, y_target_spec])"
    assert made.code.count(f"evaluate_loss = tf.function(loss, {signature}") == 2
    assert made.code.count("\ndef loss(x_data, y_target):\n") == 2
    assert "temp_loss = evaluate_loss(x_data=rand_x, y_target=rand_y).numpy()" in made.code
    assert made.optimizers == (("tf.keras.optimizers.SGD", True),) * 2
    assert [step.variables for step in made.steps] == [{"A": "Variable"}] * 2
    assert made.steps[1].fetches == {"Mean": ("evaluate_loss", ("x_data", "y_target"))}
    compile(made.code, "article_tf1_tf2.py", "exec")


def test_a_random_call_with_two_seeds_is_refused() -> None:
    source = ARTICLE.read_text()
    graphs = article_sites(source)
    line = graphs[0].random[0].line
    other = RandomSite(line, "RandomStandardNormal", 0, 5)
    graphs.append(GraphSites(3, 1, 0, {}, {}, {}, (), (), (other,)))
    with pytest.raises(Unportable) as refused:
        rewrite(source, graphs, seed=0)
    assert refused.value.problems == [f"line {line}: one random call drew with several seeds"]


#: A small TF1 script whose training call also fetches its loss, and its one graph's sites.
SMALL = """import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None])
w = tf.Variable(tf.zeros([]))
loss = tf.reduce_mean(tf.square(x * w - 1.0))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(3):
    _, value = sess.run([train, loss], feed_dict={x: np.ones(4)})
    print(value)
"""
SMALL_SITES = GraphSites(
    1, 3, 0, {"Variable": 5}, {"Mean": 6}, {"Placeholder": (4, "float32")}, (7,), (), ()
)


def test_the_loss_fetched_with_the_training_op_is_what_the_step_returns() -> None:
    made = rewrite(SMALL, [SMALL_SITES], seed=0)
    # TF1 computed that loss in the step, before the update: the training function's result.
    assert "_, value = [None, train(x=np.ones(4)).numpy()]" in made.code
    assert tf1_constructs(made.code) == []


def test_graph_and_session_blocks_are_unwrapped() -> None:
    script = ROOT / "tests" / "legacy_corpus" / "linear_regression.py"
    source = script.read_text()
    weight = line_of(source, "W = tf.Variable")
    sites = GraphSites(
        graph=1,
        steps=60,
        seed=0,
        variables={"weight": weight, "bias": line_of(source, "b = tf.Variable")},
        fetches={"Mean": line_of(source, "cost = ")},
        placeholders={
            "X": (line_of(source, "X = tf.placeholder"), "float32"),
            "Y": (line_of(source, "Y = tf.placeholder"), "float32"),
        },
        train=(line_of(source, "optimizer = "),),
        updates=("ApplyGradientDescent",),
        random=(RandomSite(weight, "RandomStandardNormal", 0, MAXINT32),),
    )
    made = rewrite(source, [sites], seed=0)
    code = code_of(made.code)
    assert tf1_constructs(made.code) == [] and "with tf.Graph" not in code
    assert "with tf.Session" not in code
    # The new graph is seeded as `legacy run --seed` seeds every graph.
    assert made.code.count("tf.random.set_seed(0)") == 2
    # The script calls its training op `optimizer`: the optimizer gets another name.
    assert "sgd = tf.keras.optimizers.SGD(learning_rate=0.1)" in made.code
    assert "_, c = [None, optimizer(X=x_train, Y=y_train).numpy()]" in made.code
    assert "    costs = []" not in made.code and "\ncosts = []" in made.code
    compile(made.code, "linear_regression_tf2.py", "exec")


def test_a_tensor_name_given_twice_in_one_graph_is_refused() -> None:
    twice = SMALL.replace("train = ", "loss = loss * 2.0\ntrain = ")
    with pytest.raises(Unportable) as refused:
        rewrite(twice, [SMALL_SITES], seed=0)
    assert "line 7: loss names a second tensor of one graph" in refused.value.problems


def test_what_is_fetched_with_the_training_op_besides_its_loss_is_refused() -> None:
    other = SMALL.replace("[train, loss]", "[train, w]")
    with pytest.raises(Unportable) as refused:
        rewrite(other, [SMALL_SITES], seed=0)
    assert refused.value.problems == ["line 11: fetches w with the training op (port it by hand)"]


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("import tensorflow as tf\nx = tf.contrib.layers.flatten(y)\n", "line 2: tf.contrib"),
        ("import tensorflow as tf\ny = tf.cond(p, f, g)\n", "line 2: tf.cond"),
        ("import tensorflow as tf\nq = tf.FIFOQueue(3, tf.float32)\n", "line 2: queues"),
        ("import tensorflow as tf\nf = tf.train.string_input_producer(n)\n", "line 2: input"),
        ("import tensorflow as tf\ne = tf.estimator.LinearRegressor(c)\n", "line 2: Estimators"),
        ("import tensorflow as tf\ns = tf.summary.image('a', b)\n", "line 2: tf.summary.image"),
        (
            "import tensorflow as tf\na = tf.Session()\nb = tf.Session()\n",
            "line 3: a second session",
        ),
    ],
)
def test_unportable_constructs_are_named_with_their_line(code: str, problem: str) -> None:
    (found,) = unportable(cst.parse_module(code))
    assert found.startswith(problem)


def test_one_session_per_graph_is_portable() -> None:
    code = "import tensorflow as tf\na = tf.Session()\ntf.reset_default_graph()\nb = tf.Session()\n"
    assert unportable(cst.parse_module(code)) == []


@pytest.mark.parametrize(
    ("v1", "exact", "made", "bitwise"),
    [
        ("tf.train.GradientDescentOptimizer(0.02)", False, "SGD(learning_rate=0.02)", True),
        ("tf.train.GradientDescentOptimizer(0.02)", True, "SGD(learning_rate=0.02)", True),
        ("tf.train.MomentumOptimizer(0.1, 0.9)", False, "SGD(learning_rate=0.1, momentum=0.9)", 0),
        (
            "tf.train.AdamOptimizer(0.1, beta1=0.8)",
            False,
            "Adam(learning_rate=0.1, beta_1=0.8, epsilon=1e-08)",
            False,
        ),
        (
            "tf.train.AdagradOptimizer(0.1)",
            False,
            "Adagrad(learning_rate=0.1, initial_accumulator_value=0.1)",
            False,
        ),
        ("tf.train.AdamOptimizer(0.1)", True, "tf.compat.v1.train.AdamOptimizer(0.1)", True),
    ],
)
def test_optimizers_become_the_keras_ones_or_stay_v1_with_exact(
    v1: str, exact: bool, made: str, bitwise: bool
) -> None:
    call = cst.parse_expression(v1)
    assert isinstance(call, cst.Call)
    ported, name, same_bits = optimizer_call(call, "tf", exact)
    assert cst.Module([]).code_for_node(ported).endswith(made)
    assert name.startswith("tf.") and same_bits == bool(bitwise)


# Run in a fresh process: TF2 eager ops are needed, and an earlier test of this process may have
# turned v2 behaviour off for good.
SEED_CHECK = r"""
import tensorflow as tf
from tf1repro.recording.sites import RandomSite

for graph_seed in (777, 0):
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(graph_seed)
        first = tf.compat.v1.random_normal([3])
        second = tf.compat.v1.random_normal([2, 2], mean=10)
        with tf.compat.v1.Session(graph=graph) as session:
            drawn = session.run([first, second])
    sites = [
        RandomSite(1, "RandomStandardNormal", op.get_attr("seed"), op.get_attr("seed2"))
        for op in graph.get_operations()
        if op.type == "RandomStandardNormal"
    ]
    tf.random.set_seed(graph_seed)
    again = [
        tf.random.normal([3], seed=sites[0].op_seed).numpy(),
        tf.random.normal([2, 2], mean=10, seed=sites[1].op_seed).numpy(),
    ]
    assert [a.tobytes() for a in drawn] == [a.tobytes() for a in again], graph_seed
    assert [site.seed for site in sites] == [graph_seed] * 2
print("same bits")
"""


def test_tf2_draws_what_a_seeded_tf1_graph_drew(tmp_path: Path) -> None:
    """GUIDE §4's fact, on this TensorFlow: ``tf.random.set_seed(graph seed)`` then
    ``tf.random.normal(shape, seed=op_seed)`` gives a TF1 graph's seeded initialiser bit for bit,
    op_seed being the op's ``seed2`` (and 0 where TF1 made it 2**31 - 1 for graph seed 0)."""
    result = run_python("-c", SEED_CHECK, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "same bits", result.stderr[-3000:]


# -- whole ports -------------------------------------------------------------------------------


def run_python(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        env={**os.environ, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def port_and_run_alone(
    oracle: Path,
    seed: int,
    out: Path,
    capsys: pytest.CaptureFixture[str],
    printed: subprocess.CompletedProcess[str] | None = None,
    extra: tuple[str, ...] = (),
) -> None:
    """Port ``oracle`` at ``seed`` (exit 0, 0 ulp), then run the program alone and the oracle
    alone (unless ``printed`` is its run), side by side: the program prints the oracle's
    numbers, character for character."""
    args = [str(seed), *extra]
    code = main(
        ["port", str(oracle), "--seed", str(seed), "--out", str(out), "--json", "--", *args]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert result["status"] == "exact" and result["worst_ulps"] == 0
    assert all(graph["status"] == "exact" for graph in result["graphs"])
    program = out / f"{oracle.stem}_tf2.py"
    text = program.read_text()
    assert tf1_constructs(text) == []
    assert layout_problems(text, oracle.read_text()) == []
    header = text.split("\n\n")[0]
    assert f"--seed {seed}" in header and "Proof: " in header and "(0 ulp)" in header
    with ThreadPoolExecutor(2) as pool:
        alone = pool.submit(run_python, program, *args, cwd=oracle.parent)
        original = printed or pool.submit(run_python, oracle, *args, cwd=oracle.parent).result()
    assert alone.result().returncode == 0, alone.result().stderr[-2000:]
    assert original.returncode == 0, original.stderr[-2000:]
    assert alone.result().stdout == original.stdout
    assert alone.result().stdout.count("Step #") >= 2


def test_the_article_ports_at_0_ulp_and_runs_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    oracle_run: subprocess.CompletedProcess[str],
) -> None:
    # The oracle's own run (seed 0, batch size 20: the default the port runs with) is started
    # in the background for the oracle tests.
    assert ORACLE_CASE == (0, 20)
    port_and_run_alone(ARTICLE, 0, tmp_path / "ported", capsys, oracle_run)


#: Every oracle (with the arguments that pick its part): together they are the originals of the
#: 12 cookbook parts shipped (``tf1repro tutorials``) and the article.
ORACLE_RUNS = [
    ("article_tf1.py", ()),
    ("cookbook02_back_propagation.py", ()),
    ("cookbook02_combining.py", ()),
    ("cookbook02_evaluating.py", ()),
    ("cookbook03_lin_reg.py", ()),
    ("cookbook03_l1_vs_l2.py", ()),
    ("cookbook03_deming.py", ()),
    ("cookbook03_lasso_ridge.py", ("lasso",)),
    ("cookbook03_lasso_ridge.py", ("ridge",)),
    ("cookbook03_elastic_net.py", ()),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("oracle", "seed", "extra"),
    [
        (oracle, seed, extra)
        for oracle, extra in ORACLE_RUNS
        for seed in (0, 1)
        # The article at seed 0 is the default suite's (test_the_article_ports_at_0_ulp...).
        if (oracle, seed) != ("article_tf1.py", 0)
    ],
)
def test_oracles_port_at_0_ulp_and_run_alone(
    oracle: str,
    seed: int,
    extra: tuple[str, ...],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port_and_run_alone(ORACLES / oracle, seed, tmp_path / "ported", capsys, extra=extra)


@pytest.mark.slow
def test_momentum_is_keras_within_its_measured_distance_or_v1_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "momentum.py"
    script.write_text(LINE_SCRIPT)
    assert main(["port", str(script), "--out", str(tmp_path / "keras"), "--json"]) == 0
    keras = json.loads(capsys.readouterr().out)
    # Keras' SGD(momentum=) orders the update's arithmetic otherwise: a few ulps, stated.
    assert keras["status"] == "within" and 0 < keras["worst_ulps"] < 16
    assert "tf.keras.optimizers.SGD" in keras["reason"]
    program = (tmp_path / "keras" / "momentum_tf2.py").read_text()
    assert "SGD(learning_rate=0.05, momentum=0.9)" in program and tf1_constructs(program) == []
    assert main(["port", str(script), "--exact", "--out", str(tmp_path / "v1"), "--json"]) == 0
    exact = json.loads(capsys.readouterr().out)
    assert exact["status"] == "exact" and exact["worst_ulps"] == 0
    program = (tmp_path / "v1" / "momentum_tf2.py").read_text()
    assert "tf.compat.v1.train.MomentumOptimizer(0.05, 0.9)" in program


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_the_unmodified_article_ports_and_draws_what_legacy_run_drew(
    seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The article as published (unseeded, a plot, comments), ported: run alone, the program
    prints what ``tf1repro legacy run SCRIPT --seed N`` printed."""
    from tf1repro.legacy import run_script

    script = ROOT / "tests" / "legacy_corpus" / "article_batch_stochastic.py"
    out = tmp_path / "ported"
    assert main(["port", str(script), "--seed", str(seed), "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "exact" and result["worst_ulps"] == 0
    program = out / "article_batch_stochastic_tf2.py"
    assert tf1_constructs(program.read_text()) == []
    assert "# Declare the optimizer" in program.read_text()
    with ThreadPoolExecutor(2) as pool:
        alone = pool.submit(run_python, program, cwd=script.parent)
        legacy = pool.submit(run_script, script, tmp_path / "legacy", seed=seed).result()
    assert legacy.status == "ok"
    assert alone.result().returncode == 0, alone.result().stderr[-2000:]
    assert alone.result().stdout == (tmp_path / "legacy" / "stdout.txt").read_text()


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        (None, 2, "is not a file"),
        ("def broken(:\n", 2, "is not Python"),
        ("print('hello')\n", 2, "trains nothing"),
        ("import sys\nraise ValueError('boom')\n", 1, "ValueError (script.py line 2): boom"),
        ("import tensorflow as tf\nx = tf.contrib.layers.flatten(y)\n", 1, "line 2: tf.contrib"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    source: str | None,
    code: int,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    script = tmp_path / "script.py"
    if source is not None:
        script.write_text(source)
    out = tmp_path / "ported"
    assert main(["port", str(script), "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert message in err.splitlines()[0]
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--stdin", "missing.txt", "tf1repro port: error: --stdin 'missing.txt' "),
        ("--data-dir", "missing", "tf1repro port: error: --data-dir 'missing' is not a folder"),
    ],
)
def test_a_bad_input_option_is_one_line_and_writes_nothing(
    option: str,
    value: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "ported"
    monkeypatch.chdir(tmp_path)
    assert main(["port", str(ARTICLE), option, value, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not out.exists()


#: A script that reads its step count and rate on its standard input, as ``input()`` answers.
ASKING = """import numpy as np
import tensorflow as tf

steps = int(input("steps? "))
rate = float(input("rate? "))
x = tf.placeholder(tf.float32, [None])
w = tf.Variable(tf.zeros([]))
loss = tf.reduce_mean(tf.square(x * w - 1.0))
train = tf.train.GradientDescentOptimizer(rate).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(steps):
    sess.run(train, feed_dict={x: np.linspace(0.5, 1.5, 4)})
    print(i, sess.run(loss, feed_dict={x: np.linspace(0.5, 1.5, 4)}))
"""


@pytest.mark.slow
def test_stdin_is_what_both_runs_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "asking.py"
    script.write_text(ASKING)
    answers = tmp_path / "answers.txt"
    answers.write_text("7\n0.05\n")
    out = tmp_path / "ported"
    assert main(["port", str(script), "--stdin", str(answers), "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # 7 steps recorded on each side: the program read the same answers as the original.
    assert result["status"] == "exact" and "7 steps" in result["reason"]
    program = (out / "asking_tf2.py").read_text()
    assert 'int(input("steps? "))' in program and tf1_constructs(program) == []


def test_an_empty_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["port", str(ARTICLE), "--out", ""]) == 2
    assert capsys.readouterr().err == "tf1repro port: error: --out '' is empty; name a folder\n"


def test_json_says_what_is_not_ported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "script.py"
    script.write_text("import tensorflow as tf\nq = tf.FIFOQueue(3, tf.float32)\n")
    assert main(["port", str(script), "--out", str(tmp_path / "out"), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "unportable" and result["program"] is None
    assert result["reason"] == "line 2: queues are gone in TF2 (use tf.data)"


@pytest.mark.parametrize("phase", ["original", pytest.param("proof", marks=pytest.mark.slow)])
def test_ctrl_c_leaves_no_child_and_no_program(phase: str, tmp_path: Path) -> None:
    """Ctrl-C while the original runs, or (slow: it waits for the original's run) while the
    generated program runs for the proof."""
    out = tmp_path / "ported"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tf1repro", "port", str(ARTICLE), "--out", str(out), "--", "0"]
    parent = start_process(command, env=env)
    wanted = b"tf2_recorder" if phase == "proof" else b""
    deadline = time.monotonic() + (TIMEOUT if phase == "proof" else 120)
    while not _children(parent.pid, wanted) and time.monotonic() < deadline:
        time.sleep(0.2)
    started = _children(parent.pid, wanted)
    assert started, f"port started no child in the {phase}'s phase"
    os.kill(parent.pid, signal.SIGINT)
    _, err = parent.communicate(timeout=120)
    assert parent.returncode == 130
    assert err.strip().splitlines()[-1] == "tf1repro port: interrupted; nothing was written"
    time.sleep(0.5)
    assert not [pid for pid in started if Path(f"/proc/{pid}").exists() and _alive(pid)]
    assert not out.exists()


def _children(pid: int, wanted: bytes = b"") -> list[int]:
    """The processes whose parent is ``pid`` (and whose command line holds ``wanted``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and wanted in command:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
