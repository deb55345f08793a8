"""The rebuilt graphs are the article's graphs: same ops, same placeholder and variable shapes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from tf1repro import V1Graph, load_tutorial, runtime, train
from tf1repro.tutorials.article import StochasticConfig, TrainConfig


def build(name: str) -> dict[str, Any]:
    """What the test inspects of a freshly built graph: op types, the loss chain, shapes."""
    tf = runtime.tf_v1()
    tutorial = load_tutorial(name)
    with runtime.graph_session(seed=0) as session:
        handles = tutorial.build_v1(tf, tutorial.Config())
        assert isinstance(handles, V1Graph)
        ops = session.graph.get_operations()
        chain = []  # op types from the loss back to the product of x and A
        op = handles.fetches["loss"].op
        while op.type not in ("Mul", "MatMul"):
            chain.append(op.type)
            op = op.inputs[0].op
        chain.append(op.type)
        return {
            "names": (
                sorted(handles.placeholders),
                sorted(handles.variables),
                sorted(handles.fetches),
            ),
            "types": Counter(o.type for o in ops),
            "chain": chain,
            "product_inputs": {tensor.op for tensor in op.inputs},
            "x_op": handles.placeholders["x"].op,
            "A_op": handles.variables["A"].op,
            "x": handles.placeholders["x"].shape.as_list(),
            "y": handles.placeholders["y"].shape.as_list(),
            "A": handles.variables["A"].shape.as_list(),
            "loss": handles.fetches["loss"].shape.as_list(),
            "placeholders_float32": all(
                o.get_attr("dtype") == tf.float32 for o in ops if o.type == "Placeholder"
            ),
            "train_type": handles.train.type,
        }


def test_stochastic_graph() -> None:
    graph = build("stochastic")
    assert graph["names"] == (["x", "y"], ["A"], ["loss"])
    assert (graph["x"], graph["y"], graph["A"], graph["loss"]) == ([1], [1], [1], [1])
    assert graph["chain"] == ["Square", "Sub", "Mul"]
    # The product is of the fed x and the variable A (read through its Identity in TF1).
    assert graph["x_op"] in graph["product_inputs"]
    assert len(graph["product_inputs"]) == 2
    types = graph["types"]
    assert types["Placeholder"] == 2 and graph["placeholders_float32"]
    assert types["RandomStandardNormal"] == 1 and types["VariableV2"] == 1
    assert types["ApplyGradientDescent"] == 1
    assert types["MatMul"] == 0 and types["Mean"] == 0
    assert graph["train_type"] == "NoOp"  # minimize() groups the apply ops


def test_batch_graph() -> None:
    graph = build("batch")
    assert graph["names"] == (["x", "y"], ["A"], ["loss"])
    assert (graph["x"], graph["y"], graph["A"], graph["loss"]) == (
        [None, 1],
        [None, 1],
        [1, 1],
        [],
    )
    assert graph["chain"] == ["Mean", "Square", "Sub", "MatMul"]
    assert graph["x_op"] in graph["product_inputs"]
    types = graph["types"]
    assert types["Placeholder"] == 2 and graph["placeholders_float32"]
    assert types["RandomStandardNormal"] == 1 and types["VariableV2"] == 1
    assert types["ApplyGradientDescent"] == 1
    # The forward product, and MatMul's gradient builds one product for each input (x and A).
    assert types["MatMul"] == 3


def test_each_run_gets_its_own_graph() -> None:
    # No state leaks between runs: building twice gives two graphs of the same size.
    tf = runtime.tf_v1()
    tutorial = load_tutorial("batch")
    sizes = []
    sessions = []
    for _ in range(2):
        with runtime.graph_session(seed=0) as session:
            tutorial.build_v1(tf, TrainConfig())
            sizes.append(len(session.graph.get_operations()))
            assert tf.get_default_graph() is session.graph
        assert session._closed  # the Session is closed on exit
        assert tf.get_default_graph() is not session.graph
        sessions.append(session)
    assert sessions[0].graph is not sessions[1].graph
    assert sizes[0] == sizes[1] > 0


def test_graph_seed_decides_the_initial_value() -> None:
    configs = {
        "stochastic": StochasticConfig(steps=1, log_every=1),
        "batch": TrainConfig(steps=1, log_every=1),
    }
    for name, config in configs.items():
        first, again, other = (train(name, config, seed) for seed in (3, 3, 4))
        assert first.initial["A"].shape == ((1,) if name == "stochastic" else (1, 1))
        assert first.initial["A"].tobytes() == again.initial["A"].tobytes()
        assert not np.array_equal(first.initial["A"], other.initial["A"])
