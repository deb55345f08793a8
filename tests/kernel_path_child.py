"""Child process for tests/test_kernels.py: TensorFlow's side, on the kernel path its env selects.

TF_ENABLE_ONEDNN_OPTS is read when TensorFlow is imported, so a test that needs the other path
runs this script with the variable set. It reads a JSON request on stdin:

* ``products``: ``[[x, upstream], ...]`` lists of floats; for each, the gradient for ``A`` of
  ``matmul(x, A)`` with ``x`` and ``upstream`` fed as ``[k, 1]`` columns, computed by
  ``tf.gradients`` in a graph session, as the article's batch trainer computes it;
* ``replays``: ``[[batch_size, seed], ...]``; for each, the batch trainer's graph run and its
  NumPy replay, compared.

and writes one JSON line to stdout: the detected path's ``label``, the gradients as float64 (which
hold float32 values exactly), and each replay's worst distances in ulps.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from tf1repro import compare_records, kernel_path, replay, runtime, train
from tf1repro.tutorials.article import TrainConfig


def matmul_gradients(products: list[list[list[float]]]) -> list[float]:
    tf = runtime.tf_v1()
    with runtime.graph_session(0) as session:
        x = tf.placeholder(tf.float32, shape=[None, 1])
        upstream = tf.placeholder(tf.float32, shape=[None, 1])
        a = tf.placeholder(tf.float32, shape=[1, 1])
        (grad,) = tf.gradients(tf.matmul(x, a), a, grad_ys=upstream)
        one = np.ones((1, 1), dtype=np.float32)
        results = []
        for xs, us in products:
            feed = {
                x: np.asarray(xs, dtype=np.float32).reshape(-1, 1),
                upstream: np.asarray(us, dtype=np.float32).reshape(-1, 1),
                a: one,
            }
            results.append(float(session.run(grad, feed_dict=feed)[0, 0]))
    return results


def replays(cases: list[list[int]]) -> list[dict[str, Any]]:
    results = []
    for batch_size, seed in cases:
        record = train("batch", TrainConfig(batch_size=batch_size), seed)
        comparison = compare_records(record, replay(record, "numpy"))
        results.append(
            {
                "batch_size": batch_size,
                "seed": seed,
                "a_ulps": comparison.deviation("A").ulps,
                "loss_ulps": comparison.deviation("loss").ulps,
                "kernels": record.platform["kernels"],
            }
        )
    return results


def main() -> None:
    request = json.load(sys.stdin)
    reply = {
        "gradients": matmul_gradients(request.get("products", [])),
        "replays": replays(request.get("replays", [])),
        "label": kernel_path.detect_kernel_path().label,
    }
    print(json.dumps(reply))


if __name__ == "__main__":
    main()
