"""What the installed TensorFlow is and what it prints: versions, import time, its own warnings.

The probe runs in a child process with TensorFlow's default verbosity, so it sees what a plain
TF1-style script would print (and what tf1repro hides unless ``--verbose``): the time to
``import tensorflow``, and every line written to stderr while importing, disabling v2 behaviour,
and running one small graph in a Session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata

_SCRIPT = r"""
import json, time
start = time.perf_counter()
import tensorflow as tf
seconds = time.perf_counter() - start
v1 = tf.compat.v1
v1.disable_v2_behavior()
graph = v1.Graph()
with graph.as_default():
    v1.set_random_seed(0)
    x = v1.placeholder(tf.float32, shape=[None, 1])
    a = v1.Variable(v1.random_normal(shape=[1, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, a) - 10.0))
    step = v1.train.GradientDescentOptimizer(0.02).minimize(loss)
    with v1.Session(graph=graph) as session:
        session.run(v1.global_variables_initializer())
        session.run(step, feed_dict={x: [[1.0], [2.0]]})
print(json.dumps({"tensorflow": tf.__version__, "import_seconds": seconds}))
"""

#: Distributions that may provide Keras, newest packaging first.
_KERAS_DISTRIBUTIONS = ("keras", "keras-nightly", "tf-keras")

# Prefixes that make the same message differ from run to run: the C++ log's timestamp, its
# absl-style "W0000 00:00:1732... 1234 " header, and the folders of source files.
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: ")
_ABSL_HEADER = re.compile(r"^([IWEF])\d{4} [\d:.]+\s+\d+ ")
_PATH = re.compile(r"[^\s:]*/([^\s:/]+\.(?:py|cc|h)\b)")


@dataclass(frozen=True)
class Probe:
    versions: dict[str, str]
    """``tensorflow``, ``numpy``, ``keras`` (or ``"none"``) and ``python``."""
    import_seconds: float
    warnings: list[str]
    """Distinct stderr lines TensorFlow printed, without timestamps or machine paths."""


class ProbeError(RuntimeError):
    """TensorFlow could not even be imported and run in a child process."""


def probe_tensorflow(timeout: float = 300) -> Probe:
    """Import TensorFlow in a child process of this interpreter and record what it does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-5:]
        raise ProbeError(f"importing TensorFlow failed: {' | '.join(tail)}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    versions = {
        "tensorflow": found["tensorflow"],
        "numpy": metadata.version("numpy"),
        "keras": keras_version(),
        "python": ".".join(map(str, sys.version_info[:3])),
    }
    return Probe(versions, round(found["import_seconds"], 2), normalize(result.stderr))


def keras_version() -> str:
    for name in _KERAS_DISTRIBUTIONS:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "none"


def normalize(stderr: str) -> list[str]:
    """stderr as distinct, stable lines: headers and paths removed, order of first appearance."""
    seen: dict[str, None] = {}
    for raw in stderr.splitlines():
        line = _TIMESTAMP.sub("", raw.strip())
        line = _ABSL_HEADER.sub(r"\1 ", line)
        line = _PATH.sub(r"\1", line)
        if line:
            seen.setdefault(line, None)
    return list(seen)
