"""``tf1repro legacy``: unmodified TF1 scripts run in child processes, recorded and explained.

The corpus in tests/legacy_corpus/ is checked once per module (three children at a time); the
tests then read the run folders it left. Each child imports TensorFlow, a few seconds each.
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from conftest import ROOT, RUNNER_FOLDER, alive, run_python

from tf1repro import Reproduction, runtime
from tf1repro.cli import main
from tf1repro.legacy import ScriptRun, check_folder, run_script, scripts_in
from tf1repro.testing import write_mnist

CORPUS = ROOT / "tests" / "legacy_corpus"
ARTICLE = CORPUS / "article_batch_stochastic.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Long enough for a child to import TensorFlow on a busy machine; only the hanging script waits it.
CORPUS_TIMEOUT = 30

#: script -> (status, kind, text on the line the failure must point at, figures saved)
EXPECTED = {
    "article_batch_stochastic.py": ("ok", "ok", None, 1),
    # xavier_initializer comes from tf-slim, tf.layers.dense from Keras 2.
    "contrib_layers.py": ("ok", "ok", None, 0),
    "contrib_learn.py": ("failed", "contrib", "tf.contrib.learn.infer", 0),
    "download_data.py": ("failed", "network", "urllib.request.urlopen(", 0),
    "eager_first.py": ("ok", "ok", None, 0),
    "estimator_model.py": ("failed", "removed-api", "tf.estimator.LinearRegressor", 0),
    "gpu_pinned.py": ("failed", "device", "sess.run(c)", 0),
    "linear_regression.py": ("ok", "ok", None, 2),
    "mnist_input_data.py": ("ok", "ok", None, 0),
    "positional_loss.py": ("failed", "positional-arguments", "with_logits(pred, y)", 0),
    "queue_without_runners.py": ("timeout", "timeout", "sess.run(batch)", 0),
    "rnn_contrib.py": ("ok", "ok", None, 0),
    "shape_mismatch.py": ("failed", "error", "sess.run(total", 0),
    "softmax_classifier.py": ("ok", "ok", None, 0),
}


def line_of(script: Path, text: str) -> int:
    """The 1-based line of ``script`` holding ``text`` (exactly one must)."""
    lines = [n for n, line in enumerate(script.read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, (script.name, text, lines)
    return lines[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, ScriptRun]]:
    out = tmp_path_factory.mktemp("corpus")
    mnist = tmp_path_factory.mktemp("mnist")
    # input_data keeps 5000 training images apart for validation unless told otherwise.
    write_mnist(mnist, train=5010, test=8)
    # The hanging script starts first and waits on its own (it uses no CPU) while two more
    # children at a time run the others.
    hanging = CORPUS / "queue_without_runners.py"
    scripts = [hanging, *(path for path in scripts_in(CORPUS) if path != hanging)]
    runs = check_folder(scripts, out, seed=0, timeout=CORPUS_TIMEOUT, jobs=3, data_dir=mnist)
    return out, {Path(run.script).name: run for run in runs}


def test_corpus_is_what_the_issue_asks_for() -> None:
    names = [path.name for path in scripts_in(CORPUS)]
    assert names == sorted(EXPECTED)
    assert len(names) >= 6


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_outcome(corpus: tuple[Path, dict[str, ScriptRun]], name: str) -> None:
    out, runs = corpus
    status, kind, marker, figures = EXPECTED[name]
    run = runs[name]
    assert (run.status, run.kind) == (status, kind), run.reason
    expected_line = None if marker is None else line_of(CORPUS / name, marker)
    assert run.line == expected_line
    if expected_line is not None:
        assert f"line {expected_line}" in run.reason
    assert len(run.figures) == figures
    # The folder holds the same record the function returned.
    assert ScriptRun.load(out / Path(name).stem) == run


def test_stand_ins_are_reported_and_compute(corpus: tuple[Path, dict[str, ScriptRun]]) -> None:
    out, runs = corpus
    rnn = runs["rnn_contrib.py"]
    assert rnn.served == [
        {
            "api": "tensorflow.examples.tutorials.mnist.input_data",
            "stand_in": f"local MNIST files (train_dir, then {rnn.compat['data_dir']}; never "
            "downloaded)",
        },
        {
            "api": "tf.contrib.rnn.BasicLSTMCell",
            "stand_in": "tf.compat.v1.nn.rnn_cell.BasicLSTMCell",
        },
        {"api": "tf.contrib.rnn.static_rnn", "stand_in": "tf.compat.v1.nn.static_rnn"},
        {"api": "tf.contrib.layers.flatten", "stand_in": "tf_slim.flatten"},
        {"api": "tf.layers", "stand_in": f"Keras 2 (tf-keras {rnn.versions['tf_keras']})"},
    ]
    # 5010 training images, 10 of them kept apart for validation as the script asks.
    assert (out / "rnn_contrib" / "stdout.txt").read_text().splitlines()[-1] == "examples 5000 10"
    eager = runs["eager_first.py"]
    assert [entry["api"] for entry in eager.served] == [
        "tf.contrib.eager.Variable",
        "tf.contrib.eager.Iterator",
        "tf.contrib.eager.implicit_gradients",
    ]
    printed = (out / "eager_first" / "stdout.txt").read_text().splitlines()
    assert printed[0] == "eager True"
    assert printed[-1] == "gradient -14.0 True"
    unserved = runs["contrib_learn.py"]
    assert unserved.unserved == ["tf.contrib.learn"] and unserved.served == []
    assert runs["estimator_model.py"].unserved == ["tf.estimator"]
    # The decisive line of TensorFlow's message, not "Graph execution error:".
    assert runs["shape_mismatch.py"].reason.endswith("Incompatible shapes: [2] vs. [3]")
    traceback = (out / "shape_mismatch" / "stderr.txt").read_text()
    assert "bootstrap.py" not in traceback and "runpy" not in traceback
    assert RUNNER_FOLDER not in traceback  # no part of the runner either


def test_seeded_eager_draws_repeat(
    corpus: tuple[Path, dict[str, ScriptRun]], tmp_path: Path
) -> None:
    out, _ = corpus
    run_script(CORPUS / "eager_first.py", tmp_path / "again", seed=0)
    first = (out / "eager_first" / "stdout.txt").read_text()
    assert (tmp_path / "again" / "stdout.txt").read_text() == first


def test_article_script_prints_the_reproduce_log(
    corpus: tuple[Path, dict[str, ScriptRun]], article: Reproduction
) -> None:
    """The unmodified article script, seeded 0, prints exactly ``tf1repro reproduce --seed 0``."""
    out, _ = corpus
    printed = (out / "article_batch_stochastic" / "stdout.txt").read_text().splitlines()
    assert printed == article.log()


def test_legacy_run_command_matches_reproduce_for_another_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reproduce", "--seed", "5", "--json", "--no-plot", "--out", str(tmp_path)]) == 0
    expected = json.loads(capsys.readouterr().out)["log"]

    code = main(["legacy", "run", str(ARTICLE), "--seed", "5", "--out", str(tmp_path / "run")])
    captured = capsys.readouterr()
    assert code == 0
    # stdout is the script's own output, nothing added; the summary goes to stderr.
    assert captured.out.splitlines() == expected
    assert "ran in" in captured.err and "1 figure" in captured.err


def test_figures_are_valid_pngs(corpus: tuple[Path, dict[str, ScriptRun]]) -> None:
    out, runs = corpus
    for name in ("article_batch_stochastic", "linear_regression"):
        for figure in runs[f"{name}.py"].figures:
            path = out / name / figure
            assert path.read_bytes()[:8] == PNG_SIGNATURE
            image = matplotlib.image.imread(path)
            # matplotlib's default figure is 6.4 x 4.8 inches at 100 dpi.
            assert image.shape[:2] == (480, 640)
            assert np.ptp(image) > 0  # something was drawn


def test_outputs_are_kept_apart(corpus: tuple[Path, dict[str, ScriptRun]]) -> None:
    out, runs = corpus
    article = out / "article_batch_stochastic"
    assert (article / "stderr.txt").read_text() == ""
    # disable_v2_behavior()'s deprecation notice (every release) is TensorFlow's noise.
    tf_log = (article / "tensorflow.log").read_text()
    assert "is deprecated" in tf_log
    assert "Step #" not in tf_log

    failed = out / "positional_loss"
    line = line_of(CORPUS / "positional_loss.py", "with_logits(pred, y)")
    traceback = (failed / "stderr.txt").read_text()
    assert traceback.startswith("Traceback (most recent call last):")
    assert f'positional_loss.py", line {line}' in traceback
    # It starts at the script's own frame, as `python positional_loss.py` would show it.
    assert traceback.splitlines()[1].startswith(f'  File "{CORPUS / "positional_loss.py"}"')
    assert "Traceback" not in (failed / "tensorflow.log").read_text()

    record = runs["article_batch_stochastic.py"]
    assert record.versions["tensorflow"] == runtime.tensorflow_version()
    assert record.versions["numpy"] == np.__version__
    assert record.exit_code == 0 and record.seconds > 0


def test_seeded_reruns_are_identical(
    corpus: tuple[Path, dict[str, ScriptRun]], tmp_path: Path
) -> None:
    """linear_regression draws NumPy data and a random W in an explicit tf.Graph()."""
    out, runs = corpus
    script = CORPUS / "linear_regression.py"
    first = (out / "linear_regression" / "stdout.txt").read_bytes()
    with ThreadPoolExecutor(2) as pool:  # two children side by side
        again, other = pool.map(
            lambda seed: run_script(script, tmp_path / f"seed{seed}", seed=seed), (0, 1)
        )
    assert (tmp_path / "seed0" / "stdout.txt").read_bytes() == first
    assert (tmp_path / "seed1" / "stdout.txt").read_bytes() != first
    assert again.figures == other.figures == runs["linear_regression.py"].figures


def test_timeout_stops_the_whole_process_group(tmp_path: Path) -> None:
    script = tmp_path / "hang.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "helper = subprocess.Popen(['sleep', '600'])\n"
        "open(sys.argv[1], 'w').write(str(helper.pid))\n"
        "time.sleep(600)\n"
    )
    pid_file = tmp_path / "pid"
    run = run_script(script, tmp_path / "out", timeout=8, args=[str(pid_file)])
    assert (run.status, run.kind, run.line, run.exit_code) == ("timeout", "timeout", 4, None)
    assert run.seconds >= 8
    assert "after 8 s at hang.py line 4" in run.reason
    assert not alive(int(pid_file.read_text())), "the script's own child outlived the timeout"


def test_script_can_neither_see_nor_break_our_state(tmp_path: Path) -> None:
    script = tmp_path / "meddle.py"
    script.write_text(
        "import os, sys\n"
        "print(sorted(k for k in globals() if not k.startswith('__')))\n"
        "print('tf1repro' in sys.modules, sys.argv[1:])\n"
        "import tf1repro.runtime\n"
        "tf1repro.runtime._verbose = True\n"
        "os.environ['TF1REPRO_MEDDLED'] = '1'\n"
        "os.chdir('/')\n"
        "sys.exit(3)\n"
    )
    cwd, verbose = Path.cwd(), runtime._verbose
    run = run_script(script, tmp_path / "out", args=["a b", "--x"])
    assert (run.status, run.kind, run.exit_code) == ("failed", "exit", 3)
    assert (tmp_path / "out" / "stdout.txt").read_text().splitlines() == [
        "['os', 'sys']",
        "False ['a b', '--x']",
    ]
    assert Path.cwd() == cwd
    assert runtime._verbose == verbose
    assert "TF1REPRO_MEDDLED" not in os.environ


def test_a_mistake_tensorflow_rejects_is_the_scripts_own(tmp_path: Path) -> None:
    # The cookbook's production tips build a Saver before any variable; TF 1.x refused it too.
    script = tmp_path / "saver_first.py"
    script.write_text(
        "import tensorflow as tf\n"
        "x = tf.constant(1.0)\n"
        "saver = tf.train.Saver()\n"
        "w = tf.Variable(0.0)\n"
    )
    run = run_script(script, tmp_path / "out", timeout=120)
    assert (run.status, run.kind, run.file, run.line) == (
        "failed",
        "script-error",
        "saver_first.py",
        3,
    )
    assert "(saver_first.py line 3: saver = tf.train.Saver())" in run.reason
    assert "ValueError: No variables to save" in run.reason
    # The traceback ends in TensorFlow's check, with no frame of the runner.
    traceback = (tmp_path / "out" / "stderr.txt").read_text()
    assert "tensorflow/python/training/saver.py" in traceback
    assert "bootstrap.py" not in traceback and "runpy" not in traceback
    assert RUNNER_FOLDER not in traceback  # no part of the runner either


def test_stdin_feeds_input(tmp_path: Path) -> None:
    script = tmp_path / "asks.py"
    script.write_text(
        "first = input('move: ')\n"
        "second = input()\n"
        "print('got', first, second)\n"
        "try:\n"
        "    input()\n"
        "except EOFError:\n"
        "    print('then end of input')\n"
    )
    empty = run_script(script, tmp_path / "empty", timeout=60)
    assert (empty.status, empty.kind, empty.line) == ("failed", "interactive", 1)
    assert "--stdin FILE" in empty.reason and empty.compat["stdin"] is False
    fed = run_script(script, tmp_path / "fed", timeout=60, stdin=b"4\nfive\n")
    assert fed.status == "ok", fed.reason
    assert fed.compat["stdin"] is True
    assert (tmp_path / "fed" / "stdout.txt").read_text() == "move: got 4 five\nthen end of input\n"


def test_check_command_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "good.py").write_text("print('fine')\n")
    (folder / "bad.py").write_text("x = 1\nraise ValueError('no luck')\n")
    (folder / "notes.txt").write_text("not a script\n")
    out = tmp_path / "out"

    assert main(["legacy", "check", str(folder), "--out", str(out), "--timeout", "60"]) == 1
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == [
        "script", "status", "seconds", "figures", "files", "stand-ins", "reason"
    ]  # fmt: skip
    assert table[1].split()[:2] == ["bad.py", "failed"]
    assert "error: ValueError (bad.py line 2): no luck" in table[1]
    assert table[2].split()[:2] == ["good.py", "ok"]
    assert table[-1] == "2 scripts: 1 ok, 1 failed, 0 timeout"
    assert sorted(p.name for p in out.iterdir()) == ["bad", "good"]

    assert main(["legacy", "check", str(folder), "--out", str(out), "--json"]) == 1
    records = json.loads(capsys.readouterr().out)
    assert [(Path(r["script"]).name, r["status"]) for r in records] == [
        ("bad.py", "failed"),
        ("good.py", "ok"),
    ]


def test_diff_command(
    corpus: tuple[Path, dict[str, ScriptRun]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    article: Reproduction,
) -> None:
    out, _ = corpus
    run_a = out / "article_batch_stochastic"
    reproduced = tmp_path / "reproduce.txt"
    reproduced.write_text("\n".join(article.log()) + "\n")
    assert main(["legacy", "diff", str(run_a), str(reproduced)]) == 0
    assert capsys.readouterr().out.startswith("identical: 80 lines, 120 numbers;")

    # One float32 value nudged in its last printed digit: a relative change of about 1e-7.
    lines = article.log()
    assert lines[1].startswith("Loss = [")
    value = lines[1][len("Loss = [") : -1]
    nudged = value[:-1] + str((int(value[-1]) + 1) % 10)
    perturbed = tmp_path / "perturbed.txt"
    perturbed.write_text("\n".join([lines[0], f"Loss = [{nudged}]", *lines[2:]]) + "\n")
    expected = abs(float(nudged) - float(value)) / max(abs(float(nudged)), abs(float(value)))

    assert main(["legacy", "diff", str(run_a), str(perturbed)]) == 1
    report = capsys.readouterr().out
    assert report.startswith("different: 80 lines, 120 numbers; largest relative difference")
    assert f"{expected:.3g} at line 2 ({value} vs {nudged})" in report
    assert main(["legacy", "diff", str(run_a), str(perturbed), "--rtol", "1e-5"]) == 0
    assert capsys.readouterr().out.startswith("identical within --rtol")

    shorter = tmp_path / "shorter.txt"
    shorter.write_text("\n".join(lines[:-1]) + "\n")
    assert main(["legacy", "diff", str(run_a), str(shorter)]) == 1
    assert capsys.readouterr().out == "different: the logs have 80 and 79 lines\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "{script}", "--seed", "-1"], "--seed must be an int in the range [0, 4294967295]"),
        (["run", "{script}", "--timeout", "0"], "--timeout must be a number of seconds > 0"),
        (["run", "{tmp}/missing.py"], "SCRIPT '{tmp}/missing.py' is not a file"),
        (["run", "{script}", "--bogus"], "unrecognized arguments: --bogus"),
        (["check", "{tmp}", "--jobs", "0"], "--jobs must be an int in the range [1, inf)"),
        (["check", "{tmp}"], "DIR '{tmp}' holds no *.py scripts"),
        (
            ["run", "{script}", "--stdin", "{tmp}"],
            "--stdin '{tmp}' not a regular file (folder)",
        ),
        (["diff", "{tmp}/a", "{tmp}/b"], "RUN_A '{tmp}/a': cannot be read"),
        (["diff", "{script}", "{script}", "--rtol", "-1"], "--rtol must be a finite number >= 0"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    script = tmp_path / "s.py"
    if argv[0] != "check":
        script.write_text("print(1)\n")
    out = tmp_path / "out"
    fill = {"script": str(script), "tmp": str(tmp_path)}
    args = ["legacy", *(part.format(**fill) for part in argv)]
    if argv[0] != "diff":
        args += ["--out", str(out)]
    if "--bogus" in argv:  # argparse's own error path
        with pytest.raises(SystemExit) as stop:
            main(args)
        code = stop.value.code
    else:
        code = main(args)
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1 and message.format(**fill) in error
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{dir}", "--timeout", "1e10"],
        ["check", "{dir}", "--timeout", "1e300"],
        ["matrix", "{dir}", "--python", "a={py}", "--python", "b={py}", "--timeout", "1e10"],
        ["run", "{dir}/s.py", "--timeout", "1e10"],
    ],
)
def test_a_timeout_beyond_a_week_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Waits this long overflowed the platform's time type where the parent waits on a
    preloaded child (``OverflowError: timestamp out of range``): refused before any run."""
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "s.py").write_text("print(1)\n")
    out = tmp_path / "out"
    fill = {"dir": str(folder), "py": sys.executable}
    code = main(["legacy", *(part.format(**fill) for part in argv), "--out", str(out)])
    timeout = float(argv[argv.index("--timeout") + 1])
    assert code == 2
    assert capsys.readouterr().err == (
        "tf1repro legacy: error: --timeout must be a number of seconds > 0 and <= 604800 "
        f"(one week); got {timeout!r}\n"
    )
    assert not out.exists()


def test_runner_does_not_import_tensorflow(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text("print('hello')\n")
    code = (
        "import sys\n"
        "from tf1repro.cli import main\n"
        f"assert main(['legacy', 'check', {str(tmp_path)!r}, '--out', {str(tmp_path / 'o')!r}])"
        " == 0\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    result = run_python("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 scripts: 1 ok, 0 failed, 0 timeout" in result.stdout


def test_unrelated_imports_are_untouched(tmp_path: Path) -> None:
    """A script without TensorFlow runs as under plain Python (and fast: nothing is imported)."""
    script = tmp_path / "plain.py"
    script.write_text("import json, sys\nprint(json.dumps({'argv': sys.argv[1:]}))\n")
    run = run_script(script, tmp_path / "out", args=["1"])
    assert run.status == "ok"
    assert (tmp_path / "out" / "stdout.txt").read_text() == '{"argv": ["1"]}\n'
