"""The article's Philox mirror draws what TensorFlow's seeded random_normal draws, bit for bit
(tolerance 0).

The mirror has three parts, each tested against TensorFlow on the installed release: the seed
attributes (``tf.get_seed``), the Philox4x32-10 stream (many seeds, and one seed's stream far
into its counter), and Box-Muller with the C library's float32 ``logf``/``sincosf``. The default
suite compares a few hundred graph seeds; the release matrix (marker ``matrix``) thousands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from conftest import run_python

from tf1repro import runtime, train
from tf1repro.tutorials.article import TrainConfig, part_config
from tf1repro.tutorials.article.philox import (
    MAX_INT32,
    graph_random_normal,
    op_seeds,
    philox4x32,
    random_standard_normal,
)
from tf1repro.tutorials.article.vectorised.initial import (
    _no_grappler,
    _random_op,
    graph_initial_values,
    mirror_initial_values,
)

#: Graph seeds where TensorFlow's reduction modulo 2**31 - 1 wraps, and the NumPy limit.
EDGE_SEEDS = [MAX_INT32 - 1, MAX_INT32, MAX_INT32 + 1, 2**31, 2 * MAX_INT32, 2**32 - 1]
#: The article's parameter shapes, and others that tutorials draw (odd sizes leave half a
#: Box-Muller pair or part of a 4-value Philox block unused).
SHAPES = [[1], [1, 1], [3, 1], [4], [2, 3], [5], [3, 3]]


def tensorflow_standard_normal(
    shape: Sequence[int], seeds: Sequence[tuple[int, int]]
) -> npt.NDArray[np.float32]:
    """One ``RandomStandardNormal`` op per (seed, seed2), all in one graph, run once by
    TensorFlow.

    The graph is written as a GraphDef and imported: building thousands of ops through Python's
    op wrappers takes about 0.6 ms each, importing the same nodes a tenth of that. Each node is
    what ``tf.raw_ops.RandomStandardNormal(shape, seed=, seed2=)`` adds, checked against the
    registered op when it is imported; ``test_mirror_equals_the_article_graphs`` compares with
    graphs built the ordinary way.
    """
    tf = runtime.tf_v1()
    graph = tf.GraphDef()
    size = graph.node.add(name="shape", op="Const")
    size.attr["dtype"].type = tf.int32.as_datatype_enum
    size.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(list(shape), dtype=tf.int32))
    stack = graph.node.add(name="stack", op="Pack")
    stack.attr["T"].type = tf.float32.as_datatype_enum
    stack.attr["N"].i = len(seeds)
    for index, (seed, seed2) in enumerate(seeds):
        node = graph.node.add(name=f"normal_{index}", op="RandomStandardNormal", input=["shape"])
        node.attr["dtype"].type = tf.float32.as_datatype_enum
        node.attr["T"].type = tf.int32.as_datatype_enum
        node.attr["seed"].i = seed
        node.attr["seed2"].i = seed2
        stack.input.append(node.name)
    with tf.Graph().as_default(), tf.Session(config=_no_grappler(tf)) as session:
        tf.import_graph_def(graph, name="")
        drawn: npt.NDArray[np.float32] = session.run("stack:0")
    return drawn


def differing(expected: npt.NDArray[np.float32], actual: npt.NDArray[np.float32]) -> int:
    """How many values differ in their bits (-0.0 and 0.0 differ; NaNs compare by payload)."""
    assert expected.shape == actual.shape
    return int((expected.view(np.uint32) != actual.view(np.uint32)).sum())


def article_seed_pairs(graph_seeds: Sequence[int]) -> list[tuple[int, int]]:
    return [op_seeds(seed) for seed in graph_seeds]


# --- Without TensorFlow -----------------------------------------------------------------------


def test_philox_known_answers() -> None:
    # The known-answer vectors published with Random123 (Salmon et al.) for Philox4x32-10.
    cases = [
        ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
        ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
        (
            [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344],
            [0xA4093822, 0x299F31D0],
            [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1],
        ),
    ]
    for counter, key, expected in cases:
        assert philox4x32(counter, key).tolist() == expected
    # Vectorised over a leading axis, each row is its own generator.
    counters, keys = np.array([c for c, _, _ in cases]), np.array([k for _, k, _ in cases])
    assert philox4x32(counters, keys).tolist() == [e for _, _, e in cases]


def test_op_seeds_follow_tensorflows_rules() -> None:
    assert op_seeds(5) == (5, 0)  # the graph's first seedless random op
    assert op_seeds(5, op_index=3) == (5, 3)
    assert op_seeds(5, 7) == (5, 7)
    assert op_seeds(None, 7) == (87654321, 7)  # an op seed alone: TF's default graph seed
    assert op_seeds(MAX_INT32 + 4, MAX_INT32 + 9) == (4, 9)  # both reduced modulo 2**31 - 1
    assert op_seeds(0) == (0, MAX_INT32)  # (0, 0) would mean "unseeded" to the kernel
    assert op_seeds(MAX_INT32) == (0, MAX_INT32)
    with pytest.raises(ValueError, match="unseeded"):
        op_seeds(None)


def test_shapes_and_the_first_values_of_a_block() -> None:
    seeds = np.array([3, 4], dtype=np.int64)
    wide = random_standard_normal([2, 5], seeds, 0)
    assert wide.shape == (2, 2, 5) and wide.dtype == np.float32
    # Values come from the stream in order: a smaller shape is a prefix of a larger one.
    for size in (1, 2, 3, 4, 7):
        prefix = wide.reshape(2, -1)[:, :size]
        assert np.array_equal(random_standard_normal([size], seeds, 0), prefix)
    assert random_standard_normal([0, 3], seeds, 0).shape == (2, 0, 3)
    with pytest.raises(ValueError, match="negative"):
        random_standard_normal([-1], seeds, 0)


def test_mirror_needs_no_tensorflow() -> None:
    probe = (
        "import sys, json, numpy as np\n"
        "from tf1repro.tutorials.article.vectorised.initial import mirror_initial_values\n"
        "values = mirror_initial_values('batch', np.arange(3, dtype=np.int64))\n"
        "print(json.dumps(['tensorflow' in sys.modules, values.tolist()]))"
    )
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    imported, values = json.loads(result.stdout)
    assert imported is False and len(values) == 3


def test_numpy_study_reports_no_tensorflow_version(tmp_path: Any) -> None:
    probe = (
        "import sys\n"
        "from tf1repro.cli import main\n"
        f"code = main(['study', '--runs', '20', '--batch-sizes', '1,5', '--backend', 'numpy', "
        f"'--steps', '10', '--log-every', '5', '--json', '--out', {str(tmp_path)!r}])\n"
        "assert code == 0 and 'tensorflow' not in sys.modules, code"
    )
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["versions"] == {"numpy": np.__version__}


# --- Against TensorFlow ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tf() -> Iterator[Any]:
    yield runtime.tf_v1()


def test_op_seeds_equal_tf_get_seed(tf: Any) -> None:
    graph_seeds = [None, 0, 1, 7, 12345, *EDGE_SEEDS]
    for graph_seed in graph_seeds:
        with tf.Graph().as_default():
            if graph_seed is not None:
                tf.set_random_seed(graph_seed)
            for op_seed in (0, 1, 99, MAX_INT32, MAX_INT32 + 2):
                assert tf.get_seed(op_seed) == op_seeds(graph_seed, op_seed)
    # Seedless ops take the graph's count of seedless random ops so far: build real ones.
    for graph_seed in (0, 1, 2**32 - 1):
        with tf.Graph().as_default():
            tf.set_random_seed(graph_seed)
            for index in range(4):
                tf.random_normal([2])
                op = tf.get_default_graph().get_operations()[-1]
                while op.type != "RandomStandardNormal":
                    op = op.inputs[0].op
                attributes = (op.get_attr("seed"), op.get_attr("seed2"))
                assert attributes == op_seeds(graph_seed, op_index=index)


@pytest.mark.parametrize("shape", SHAPES)
def test_random_standard_normal_equals_tensorflow(
    tf: Any, record_property: Any, shape: list[int]
) -> None:
    graph_seeds = [*range(300), *EDGE_SEEDS]
    pairs = article_seed_pairs(graph_seeds)
    expected = tensorflow_standard_normal(shape, pairs)
    mirror = random_standard_normal(shape, [p[0] for p in pairs], [p[1] for p in pairs])
    record_property("values differing", differing(expected, mirror))
    assert differing(expected, mirror) == 0


def test_one_stream_far_into_its_counter(tf: Any, record_property: Any) -> None:
    # 2**17 values of one op: 32768 Philox blocks and 65536 logf and sincosf arguments each.
    pairs = [(1, 0), (0, MAX_INT32), (123456789, 987654321), (MAX_INT32 - 1, MAX_INT32 - 1)]
    expected = tensorflow_standard_normal([2**17], pairs)
    mirror = random_standard_normal([2**17], [p[0] for p in pairs], [p[1] for p in pairs])
    record_property("values differing", differing(expected, mirror))
    assert differing(expected, mirror) == 0


def test_random_normal_with_mean_and_stddev(tf: Any) -> None:
    # A tutorial's tf.random_normal([3, 2], mean, stddev) under a graph seed, several per graph.
    specs = [(0.0, 1.0), (0.0, 0.1), (2.5, 0.01), (-1.0, 3.0)]
    for graph_seed in (0, 1, 42, 2**32 - 1):
        with runtime.graph_session(graph_seed) as session:
            ops = [tf.random_normal([3, 2], mean=mean, stddev=sd) for mean, sd in specs]
            drawn = session.run(ops)
        for index, ((mean, sd), expected) in enumerate(zip(specs, drawn, strict=True)):
            mirror = graph_random_normal(
                [3, 2], [graph_seed], op_index=index, mean=mean, stddev=sd
            )[0]
            assert differing(expected, mirror) == 0, (graph_seed, mean, sd)


@pytest.mark.parametrize("trainer", ["stochastic", "batch"])
def test_mirror_equals_the_article_graphs(tf: Any, record_property: Any, trainer: str) -> None:
    # The recipe's graph draws its parameter with its first seedless random op, of its shape.
    shape = [1, 1] if trainer == "batch" else [1]
    assert _random_op(trainer, TrainConfig()) == (0, shape)
    seeds = np.array([*range(300), *EDGE_SEEDS], dtype=np.int64)
    expected = graph_initial_values(trainer, TrainConfig(), seeds)
    mirror = mirror_initial_values(trainer, seeds)
    record_property("values differing", differing(expected, mirror))
    assert differing(expected, mirror) == 0
    for seed in (0, 1, 2**32 - 1):
        record = train(trainer, part_config(trainer, TrainConfig()), seed)
        assert mirror[list(seeds).index(seed)] == record.initial["A"].item()


@pytest.mark.matrix
@pytest.mark.parametrize("shape", SHAPES)
def test_thousands_of_graph_seeds(tf: Any, record_property: Any, shape: list[int]) -> None:
    # The article's shapes over 5000 seeds, the others over 1000 (one op per seed).
    count = 5000 if shape in ([1], [1, 1]) else 1000
    graph_seeds = [*range(count), *(MAX_INT32 - k for k in range(1, 50)), 2**32 - 1, 2**31]
    pairs = article_seed_pairs(graph_seeds)
    expected = tensorflow_standard_normal(shape, pairs)
    mirror = random_standard_normal(shape, [p[0] for p in pairs], [p[1] for p in pairs])
    record_property("values differing", differing(expected, mirror))
    assert differing(expected, mirror) == 0
