"""What a TF1 graph's ops say about its training: its training ops and the updates each runs,
the losses an update minimises, what a tensor's computation depends on, the sums grappler
may regroup otherwise in TF2, and where the script built each op (``sites``).

Pure functions of TensorFlow's graph objects, for the recorder (``recorder.py``), which the
legacy child loads from its file: this module imports nothing, not even TensorFlow, so the
child loads it from its file too.
"""

from __future__ import annotations

from typing import Any

#: Ops that are stateful but only read state: reading them again changes nothing.
READ_ONLY_STATEFUL = frozenset(
    {"VariableV2", "Variable", "VarHandleOp", "ReadVariableOp", "VarIsInitializedOp"}
)
#: The op types of an optimizer's update of one variable start so (``ApplyGradientDescent``...).
UPDATE_PREFIXES = ("Apply", "ResourceApply", "SparseApply", "ResourceSparseApply")
#: The sums grappler's constant push-down regroups: ``(x + y) - c`` becomes ``(y - c) + x``.
SUMS = frozenset({"Add", "AddV2", "Sub"})


def closure(ops: list[Any], *, controls: bool) -> list[Any]:
    """``ops`` and every op they depend on (inputs, and control inputs if ``controls``)."""
    seen: dict[str, Any] = {}
    pending = list(ops)
    while pending:
        op = pending.pop()
        if op.name in seen:
            continue
        seen[op.name] = op
        pending.extend(tensor.op for tensor in op.inputs)
        if controls:
            pending.extend(op.control_inputs)
    return list(seen.values())


def updates_of(ops: list[Any]) -> frozenset[str]:
    """The names of the optimizer updates that running ``ops`` runs."""
    return frozenset(
        op.name for op in closure(ops, controls=True) if op.type.startswith(UPDATE_PREFIXES)
    )


def training_ops(graph: Any) -> list[Any]:
    """The graph's training ops, in the order they were built: the ops that run an update and
    that no other op uses (through an input or a control input)."""
    training: set[str] = set()
    used: set[str] = set()
    # Ops are listed in the order they were built: an op's inputs before the op.
    for op in graph.get_operations():
        sources = [tensor.op for tensor in op.inputs] + list(op.control_inputs)
        used.update(source.name for source in sources)
        if op.type.startswith(UPDATE_PREFIXES) or any(s.name in training for s in sources):
            training.add(op.name)
    return [op for op in graph.get_operations() if op.name in training and op.name not in used]


def regrouped(fetch: Any) -> Any:
    """The sum of a variable, a computed tensor and a constant in ``fetch``'s computation that
    grappler may regroup otherwise in TF2, or None.

    Computing ``fetch`` alone, grappler's constant push-down rewrites ``(x + y) - c`` as
    ``(y - c) + x``, taking for ``y`` the second input of the inner sum once a commutative op's
    inputs are sorted by node name. Names decide which term meets the constant, and a variable's
    read is named ``<variable>/read`` in TF1 but ``<op>/ReadVariableOp`` in a ``tf.function``:
    where one term is a variable, the two graphs may round the sum differently.
    """
    ops = closure([fetch], controls=False)
    consumers: dict[str, int] = {}
    for op in ops:
        for tensor in op.inputs:
            consumers[tensor.op.name] = consumers.get(tensor.op.name, 0) + 1
    for op in ops:
        if op.type not in SUMS or not op.outputs[0].dtype.is_floating:
            continue
        kinds = [tensor.op.type for tensor in op.inputs]
        inner = [tensor.op for tensor in op.inputs if tensor.op.type in SUMS]
        if "Const" not in kinds or len(inner) != 1 or consumers[inner[0].name] != 1:
            continue
        leaves = [tensor.op for tensor in inner[0].inputs]
        if all(leaf.type != "Const" for leaf in leaves) and any(map(reads_variable, leaves)):
            return op
    return None


def reads_variable(op: Any) -> bool:
    """Whether ``op`` reads a variable: a ref variable's ``<name>/read``, a resource read."""
    source: str = op.inputs[0].op.type if op.inputs else ""
    return op.type == "ReadVariableOp" or (
        op.type == "Identity" and source in ("VariableV2", "Variable")
    )


def tensor_name(tensor: Any) -> str:
    """A tensor's op name, with ``:N`` only when it is not the op's first output."""
    name: str = tensor.op.name if tensor.value_index == 0 else tensor.name
    return name


def minimised(graph: Any, ops: list[Any]) -> dict[str, Any]:
    """The losses the update's gradients were taken of, by name.

    ``tf.gradients`` seeds the backward pass with ``<scope>/grad_ys_<i>`` (ones of the
    loss's shape), consumed by the gradient ops of the loss's op, named
    ``<scope>/<loss op>_grad/...``.
    """
    found: dict[str, Any] = {}
    for op in closure(ops, controls=True):
        scope, _, last = op.name.rpartition("/")
        if op.type != "Fill" or not last.startswith("grad_ys_") or not scope:
            continue
        for consumer in op.outputs[0].consumers():
            inner = consumer.name[len(scope) + 1 :]
            if consumer.name.startswith(scope + "/") and "_grad/" in inner:
                loss_op = graph.get_operation_by_name(inner.rpartition("_grad/")[0])
                if loss_op.outputs:
                    found[tensor_name(loss_op.outputs[0])] = loss_op.outputs[0]
                break
    return found


def stateful_op(op: Any) -> Any:
    """A stateful op (other than a read) that computing ``op`` runs, or None."""
    for found in closure([op], controls=True):
        if found.op_def.is_stateful and found.type not in READ_ONLY_STATEFUL:
            return found
    return None


def where(op: Any, folder: str) -> dict[str, Any] | None:
    """The script file (relative to ``folder``, the script's) and line that built ``op``, or
    None when no frame of its traceback is in the script's folder."""
    for frame in reversed(op.traceback):
        if frame.filename.startswith(folder):
            return {"file": frame.filename[len(folder) :], "line": frame.lineno}
    return None


def sites(
    graph: Any,
    folder: str,
    variables: list[tuple[str, Any]],
    fetches: list[tuple[str, Any]],
    ops: list[Any],
) -> dict[str, Any]:
    """Where the script built each recorded quantity (``variables`` and ``fetches`` by recorded
    name), the training ``ops``, the placeholders and the seeded random ops, with the graph
    seed, the updates the training runs, the summaries' tags and the regrouped sums."""
    placeholders = {}
    for op in graph.get_operations():
        if op.type == "Placeholder":
            output = op.outputs[0]
            shape = output.shape.as_list() if output.shape.rank is not None else None
            placeholders[op.name] = {
                **(where(op, folder) or {}),
                "dtype": output.dtype.name,
                "shape": shape,
            }
    updates = sorted(
        {op.type for op in closure(ops, controls=True) if op.type.startswith(UPDATE_PREFIXES)}
    )
    random = []
    for op in graph.get_operations():
        if "seed2" in op.node_def.attr and where(op, folder) is not None:
            seeds = {"seed": op.get_attr("seed"), "seed2": op.get_attr("seed2")}
            random.append({**(where(op, folder) or {}), "op": op.type, **seeds})
    # A summary's tag is its op's name scope, made unique in the graph ("w_1" beside a
    # variable "w"), held by the constant the op reads: the port writes what TF1 wrote.
    summaries = [
        {**(where(op, folder) or {}), "tag": summary_tag(op)}
        for op in graph.get_operations()
        if op.type in ("ScalarSummary", "HistogramSummary") and where(op, folder) is not None
    ]
    return {
        "seed": graph.seed,
        "summaries": summaries,
        "variables": {name: where(t.op, folder) for name, t in variables},
        "fetches": {name: where(t.op, folder) for name, t in fetches},
        "placeholders": placeholders,
        "train": [where(op, folder) for op in ops],
        "updates": updates,
        "random": random,
        "regrouped": {
            name: {**(where(op, folder) or {}), "op": op.name}
            for name, tensor in fetches
            if (op := regrouped(tensor.op)) is not None
        },
    }


def summary_tag(op: Any) -> str:
    """The tag a scalar or histogram summary op writes: the string of the constant it reads."""
    tag: bytes = op.inputs[0].op.get_attr("value").string_val[0]
    return tag.decode()
