"""Shared fixtures: one in-process reproduction, and the command line run as a user runs it."""

from __future__ import annotations

import functools
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import background
import pytest

from tf1repro import Record, Reproduction, reproduce, train
from tf1repro.config import Config

ROOT = Path(__file__).resolve().parent.parent
#: The runner's files (bootstrap, its parts, the stand-ins): no traceback shown names them.
RUNNER_FOLDER = str(ROOT / "tf1repro" / "legacy")


@pytest.fixture(scope="session")
def article() -> Reproduction:
    """The article with its default parameters and seed 0, trained once per test session."""
    return reproduce("article", seed=0)


@pytest.fixture(scope="session")
def stochastic(article: Reproduction) -> Record:
    return article.records[0]


@pytest.fixture(scope="session")
def batch(article: Reproduction) -> Record:
    return article.records[1]


@pytest.fixture(scope="session")
def trained() -> Callable[[str, Config, int], Record]:
    """``train(tutorial, config, seed)``, each distinct case trained once per test session:
    records are read-only, so the modules that replay the same cases on different backends
    (test_eager.py, test_replay.py) share them."""
    return functools.cache(train)


def pytest_collection_finish(session: pytest.Session) -> None:
    # The fresh-process runs that collected tests use start now, beside the in-process tests.
    background.start_used({name for item in session.items for name in item.fixturenames})


def pytest_sessionfinish(session: pytest.Session) -> None:
    background.stop_all()


@pytest.fixture(scope="session")
def fresh_reproductions() -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    """The article reproduced twice as a user runs it (``scripts/reproduce_article.py --seed
    11``, with its plot), in two processes, and the folder holding their ``--out`` folders
    (``background.FRESH_RUNS``). The determinism check compares the two; the quiet check reads
    what the first printed."""
    started = background.runs("fresh_reproductions")
    return started.folder, started.results()


@pytest.fixture(scope="session")
def oracle_run() -> subprocess.CompletedProcess[str]:
    """What the TF1-style article script prints (``background.ORACLE_CASE``), in a process of
    its own."""
    return background.runs("oracle_run").results()[0]


@pytest.fixture(scope="session")
def verbose_run() -> subprocess.CompletedProcess[str]:
    """``scripts/reproduce_article.py --steps 5 --no-plot --verbose`` in a process of its own."""
    return background.runs("verbose_run").results()[0]


def with_values(record: Record, group: str, name: str, values: object) -> Record:
    """A copy of ``record`` with one array replaced (as a user editing the JSON would)."""
    import numpy as np

    from tf1repro.record import encode_array

    data = record.to_dict()
    data[group] = {**data[group], name: encode_array(np.asarray(values))}
    return Record.from_dict(data)


def default_signals() -> None:
    """A ``preexec_fn``: the child starts with Ctrl-C and SIGHUP at their defaults, as a command
    started from a terminal does, even when this test run ignores them (a background job of a
    non-interactive shell, ``nohup``), which tf1repro would honour and keep ignoring."""
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def start_process(
    command: list[str],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] = default_signals,
) -> subprocess.Popen[str]:
    """``command`` in a session of its own (a test's signal reaches it alone), its output
    captured as text; ``preexec`` sets its signals up (by default as a terminal would)."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        preexec_fn=preexec,
    )


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a killed process nobody reaped yet is a zombie: dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):  # gone, or going while read
        return False
    return state not in ("Z", "X")


def run_python(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in a child process, as a user would, and capture its output."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd or ROOT,
        env=background.child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


#: A two-variable TF1 script written as the tutorials were (unseeded: `legacy run --seed` seeds
#: it), with MomentumOptimizer; recorded and ported by several test files.
LINE_SCRIPT = """
import numpy as np
import tensorflow as tf

x_vals = np.random.uniform(-1, 1, 60)
y_vals = 3.0 * x_vals - 0.5 + np.random.normal(0, 0.1, 60)
x = tf.placeholder(tf.float32, [None])
y = tf.placeholder(tf.float32, [None])
w = tf.Variable(tf.random_normal([]), name="w")
b = tf.Variable(tf.zeros([]), name="b")
loss = tf.reduce_mean(tf.square(x * w + b - y))
train = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(40):
    rows = np.random.choice(60, 10)
    sess.run(train, feed_dict={x: x_vals[rows], y: y_vals[rows]})
    if (i + 1) % 10 == 0:
        print(i + 1, sess.run([w, b]), sess.run(loss, feed_dict={x: x_vals[rows], y: y_vals[rows]}))
"""
