"""The rebuilt graphs are the article's graphs: same ops, same placeholder and variable shapes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tf1repro import TrainConfig, runtime, train_graph
from tf1repro.recipes import get_recipe


def build(trainer: str) -> dict[str, Any]:
    """What the test inspects of a freshly built graph: op types, the loss chain, shapes."""
    tf = runtime.tf_v1()
    with runtime.graph_session(seed=0) as session:
        handles = get_recipe(trainer).build_graph(tf, TrainConfig())
        ops = session.graph.get_operations()
        chain = []  # op types from the loss back to the product of x and A
        op = handles.loss.op
        while op.type not in ("Mul", "MatMul"):
            chain.append(op.type)
            op = op.inputs[0].op
        chain.append(op.type)
        product_inputs = {tensor.op.type for tensor in op.inputs}
        return {
            "types": Counter(o.type for o in ops),
            "chain": chain,
            "product_inputs": product_inputs,
            "x": handles.x.shape.as_list(),
            "y": handles.y.shape.as_list(),
            "A": handles.param.shape.as_list(),
            "placeholders_float32": all(
                o.get_attr("dtype") == tf.float32 for o in ops if o.type == "Placeholder"
            ),
        }


def test_stochastic_graph() -> None:
    graph = build("stochastic")
    assert (graph["x"], graph["y"], graph["A"]) == ([1], [1], [1])
    assert graph["chain"] == ["Square", "Sub", "Mul"]
    assert "Placeholder" in graph["product_inputs"]
    types = graph["types"]
    assert types["Placeholder"] == 2 and graph["placeholders_float32"]
    assert types["RandomStandardNormal"] == 1 and types["VariableV2"] == 1
    assert types["ApplyGradientDescent"] == 1
    assert types["MatMul"] == 0 and types["Mean"] == 0


def test_batch_graph() -> None:
    graph = build("batch")
    assert (graph["x"], graph["y"], graph["A"]) == ([None, 1], [None, 1], [1, 1])
    assert graph["chain"] == ["Mean", "Square", "Sub", "MatMul"]
    assert "Placeholder" in graph["product_inputs"]
    types = graph["types"]
    assert types["Placeholder"] == 2 and graph["placeholders_float32"]
    assert types["RandomStandardNormal"] == 1 and types["VariableV2"] == 1
    assert types["ApplyGradientDescent"] == 1
    # The forward product, and MatMul's gradient builds one product for each input (x and A).
    assert types["MatMul"] == 3


def test_each_run_gets_its_own_graph() -> None:
    # No state leaks between runs: building twice gives two graphs of the same size.
    tf = runtime.tf_v1()
    sizes = []
    for _ in range(2):
        with runtime.graph_session(seed=0) as session:
            get_recipe("batch").build_graph(tf, TrainConfig())
            sizes.append(len(session.graph.get_operations()))
            assert tf.get_default_graph() is session.graph
        assert session._closed  # the Session is closed on exit
        assert tf.get_default_graph() is not session.graph
    assert sizes[0] == sizes[1]


def test_graph_seed_decides_the_initial_value() -> None:
    config = TrainConfig(steps=1, log_every=1)
    for trainer in ("stochastic", "batch"):
        first, again, other = (train_graph(trainer, config, seed) for seed in (3, 3, 4))
        assert first.a0 == again.a0
        assert first.a0 != other.a0
