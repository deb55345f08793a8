"""The initial ``A`` of many runs.

The single-run graph initialises ``A`` with ``tf.random_normal`` under graph seed ``seed``:
a ``RandomStandardNormal`` op whose two seed attributes TensorFlow derives from the graph seed
and an op-level counter (``tf.get_seed``). ``graph_initial_values`` recreates that op once per
seed, with the same attributes, in one graph: the same numbers as the single-run graphs, at a
fraction of the cost. Such a graph is thousands of small stateful ops, which Grappler's passes
handle slowly, so its session runs with Grappler off (it changes no value: each op draws alone).

``mirror_initial_values`` gives the same bits without TensorFlow: ``philox`` (beside this
package) mirrors the op's Philox generator and Box-Muller transform (tested against
TensorFlow on every release).
``numpy_initial_values`` draws the same N(0, 1) distribution from a NumPy stream keyed by the
seed, but other values.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from tf1repro import runtime
from tf1repro.tutorial import load_tutorial
from tf1repro.tutorials.article import TrainConfig, part_config, philox

#: Ops per graph: graph construction slows down as a graph grows.
OPS_PER_GRAPH = 1000


def graph_initial_values(
    trainer: str, config: TrainConfig, seeds: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """The ``A0`` that ``tf1repro.train(trainer, config, seed)`` starts from, per seed."""
    tf = runtime.tf_v1()
    op_seed, shape = _random_op(trainer, config)
    values = np.empty(len(seeds), dtype=np.float32)
    for start in range(0, len(seeds), OPS_PER_GRAPH):
        chunk = seeds[start : start + OPS_PER_GRAPH]
        with runtime.graph_session(0, config=_no_grappler(tf)) as session:
            draws = []
            for seed in chunk:
                tf.set_random_seed(int(seed))
                seed1, seed2 = tf.get_seed(op_seed)
                draws.append(
                    tf.raw_ops.RandomStandardNormal(
                        shape=shape, dtype=tf.float32, seed=seed1, seed2=seed2
                    )
                )
            drawn = session.run(tf.stack(draws))
            # A is [1] or [1, 1]: one value per seed.
            values[start : start + len(chunk)] = drawn.reshape(len(chunk))
    return values


def mirror_initial_values(trainer: str, seeds: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """``graph_initial_values`` computed in NumPy, bit for bit, without importing TensorFlow.

    Each of the article's graphs draws ``A`` with its only random op, the graph's first
    seedless one (op index 0), of ``A``'s shape: what ``_random_op`` reads from a built graph.
    """
    shape = (1, 1) if trainer == "batch" else (1,)
    drawn = philox.graph_random_normal(shape, seeds, op_index=0)
    # A holds one value: one per seed.
    return drawn.reshape(len(drawn))


def numpy_initial_values(seeds: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """One N(0, 1) value per seed from ``np.random.default_rng([seed, 1])`` (not TF's values).

    The stream is keyed by ``[seed, 1]`` so it shares nothing with the data stream of the seed.
    """
    return np.array(
        [np.random.default_rng([int(s), 1]).standard_normal() for s in seeds], dtype=np.float32
    )


@functools.cache
def _random_op(trainer: str, config: TrainConfig) -> tuple[int, list[int]]:
    """The op-level seed and the shape of the recipe's initialiser, read from a built graph."""
    tf = runtime.tf_v1()
    with runtime.graph_session(1):
        load_tutorial(trainer).build_v1(tf, part_config(trainer, config))
        ops = [op for op in tf.get_default_graph().get_operations() if op.type.startswith("Random")]
    if len(ops) != 1 or ops[0].type != "RandomStandardNormal":
        raise NotImplementedError(
            f"the {trainer!r} graph must draw its parameter with one random_normal; "
            f"found {[op.type for op in ops]}"
        )
    op = ops[0]
    # Under graph seed 1 the first attribute is 1 and the second is the op-level seed.
    return int(op.get_attr("seed2")), [int(d) for d in op.outputs[0].shape]


def _no_grappler(tf: object) -> object:
    from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2

    rewrites = rewriter_config_pb2.RewriterConfig(disable_meta_optimizer=True)
    return config_pb2.ConfigProto(graph_options=config_pb2.GraphOptions(rewrite_options=rewrites))
