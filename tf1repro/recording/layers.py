"""``tf.layers.dense`` and ``tf.contrib.layers.fully_connected`` as what a TF2 program writes
instead: the layer's two variables and a function.

``h = tf.layers.dense(x, 3, activation=tf.nn.relu)`` becomes

.. code-block:: python

    h_kernel = tf.Variable(tf.random.uniform([4, 3], -0.75..., 0.75..., seed=S))
    h_bias = tf.Variable(tf.zeros([3]))

    @tf.function(input_signature=[x_spec])
    def h(x):
        return tf.nn.relu(tf.nn.bias_add(tf.matmul(x, h_kernel), h_bias))

Measured on TF 2.21 / Keras 3: ``tf.keras.layers.Dense`` computes the same forward values from
the same weights, but draws other initial weights than TF1's layer under the same graph seed,
with or without ``GlorotUniform(seed=)`` (Keras 3 draws with its own generator). TF1's kernel
initialiser is Glorot uniform: ``random_uniform(shape, -limit, limit, seed)`` with
``limit = sqrt(3 / max(1, (fan_in + fan_out) / 2))``, which ``tf.random.uniform`` with the op
seed TF1 gave it draws bit for bit (``tests/test_port_constructs.py``). So the port writes the
variables, and ``bias_add`` as the TF1 layer computed it (its gradient is ``BiasAddGrad``).
``fully_connected`` (tf-slim's, which the legacy runner stands in for ``tf.contrib.layers``) is
the same layer with ReLU by default, ``weights``/``biases`` and Xavier's bound, the same value
computed in another order (``sqrt(3 * 1 / n)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import libcst as cst

from tf1repro.recording.sites import GraphSites


@dataclass(frozen=True)
class Kind:
    """One TF1 function that makes a dense layer: its arguments and its variables' names."""

    name: str
    positional: tuple[str, ...]
    """Its arguments the port knows, in their order."""
    units: str
    activation: str
    default_activation: str
    """The activation when none is given (code under ``tf.``; empty: none)."""
    suffixes: tuple[str, str]
    """The ends of its kernel's and bias's TF1 names."""
    xavier: bool
    """Its kernel's bound is tf-slim's Xavier one (else ``VarianceScaling``'s Glorot one)."""


#: ``tf.<name>`` -> what it is.
KINDS = {
    "layers.dense": Kind(
        "tf.layers.dense",
        ("inputs", "units", "activation", "use_bias"),
        "units",
        "activation",
        "",
        ("/kernel", "/bias"),
        xavier=False,
    ),
    "contrib.layers.fully_connected": Kind(
        "tf.contrib.layers.fully_connected",
        ("inputs", "num_outputs", "activation_fn"),
        "num_outputs",
        "activation_fn",
        "nn.relu",
        ("/weights", "/biases"),
        xavier=True,
    ),
}
#: Arguments that only name or collect the TF1 variables (the port keeps the script's names).
DROPPED = frozenset({"name", "reuse", "trainable", "scope"})


@dataclass(frozen=True)
class Dense:
    """What a dense layer's call says: its input, activation and whether it adds a bias."""

    inputs: cst.BaseExpression
    activation: cst.BaseExpression | None
    use_bias: bool


def dense_arguments(call: cst.Call, kind: Kind, tf: str) -> Dense:
    """The arguments of a dense layer's ``call``; ``ValueError`` for one the port does not
    port (an initialiser, a regulariser, a normaliser...)."""
    given: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        if arg.keyword is not None:
            key = arg.keyword.value
        elif index < len(kind.positional):
            key = kind.positional[index]
        else:
            raise ValueError(f"{kind.name} with positional arguments after {kind.positional[-1]}")
        if key not in kind.positional and key not in DROPPED:
            raise ValueError(f"{kind.name} with {key} (port by hand)")
        given[key] = arg.value
    use_bias = given.get("use_bias")
    if use_bias is not None and not (
        isinstance(use_bias, cst.Name) and use_bias.value in ("True", "False")
    ):
        raise ValueError(f"{kind.name} whose use_bias is not True or False")
    default = (
        cst.parse_expression(f"{tf}.{kind.default_activation}") if kind.default_activation else None
    )
    activation = given.get(kind.activation, default)
    if isinstance(activation, cst.Name) and activation.value == "None":
        activation = None
    return Dense(given["inputs"], activation, use_bias is None or use_bias.value == "True")


def xavier_limit(shape: tuple[int, ...]) -> float:
    """The bound of tf-slim's ``xavier_initializer`` for a kernel of ``shape``, computed as it
    computes it (``sqrt(3 * factor / n)``: float64 may round otherwise than Glorot's)."""
    fan_in, fan_out = _fans(shape)
    return math.sqrt(3.0 * 1.0 / ((fan_in + fan_out) / 2.0))


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


def glorot_limit(shape: tuple[int, ...]) -> float:
    """The bound of TF1's Glorot uniform initialiser for a kernel of ``shape``, computed as
    ``VarianceScaling`` computes it (float64, then the op converts it to float32)."""
    fan_in, fan_out = _fans(shape)
    scale = 1.0 / max(1.0, (fan_in + fan_out) / 2.0)
    return math.sqrt(3.0 * scale)


def dense_variables(graph: GraphSites, line: int, kind: Kind) -> tuple[str, str | None]:
    """The TF1 names of the kernel and bias that the dense layer on ``line`` made."""
    made = [name for name, where in graph.variables.items() if where == line]
    kernels = [name for name in made if name.endswith(kind.suffixes[0])]
    biases = [name for name in made if name.endswith(kind.suffixes[1])]
    if len(kernels) != 1 or len(biases) > 1 or len(made) != len(kernels) + len(biases):
        raise ValueError("a line that makes several layers (port by hand)")
    return kernels[0], biases[0] if biases else None


def dense_statements(
    tf: str, kind: Kind, names: tuple[str, str | None], shape: tuple[int, ...], seed: int | None
) -> list[str]:
    """The variables of a dense layer named ``names`` (kernel, bias or None), its kernel of
    ``shape`` drawn with the op seed ``seed`` (None: unseeded, as TF1 drew it)."""
    kernel, bias = names
    limit = xavier_limit(shape) if kind.xavier else glorot_limit(shape)
    seeded = "" if seed is None else f", seed={seed}"
    lines = [
        f"# {kind.name}'s variables: its Glorot uniform kernel drawn as TF1 drew it\n"
        f"{kernel} = {tf}.Variable({tf}.random.uniform({list(shape)}, {-limit!r}, {limit!r}"
        f"{seeded}))\n"
    ]
    if bias is not None:
        lines.append(f"{bias} = {tf}.Variable({tf}.zeros([{shape[-1]}]))\n")
    return lines


def dense_value(tf: str, layer: Dense, kernel: str, bias: str | None) -> cst.BaseExpression:
    """What the layer computes, as TF1's ``Dense.call`` computed it for a 2-D input."""
    value: cst.BaseExpression = cst.parse_expression(f"{tf}.matmul(__inputs__, {kernel})")
    if bias is not None:
        value = cst.parse_expression(f"{tf}.nn.bias_add(__value__, {bias})").visit(
            _Put("__value__", value)
        )  # type: ignore[assignment]
    value = value.visit(_Put("__inputs__", layer.inputs))  # type: ignore[assignment]
    if layer.activation is not None:
        value = cst.Call(layer.activation, [cst.Arg(value)])
    return value


class _Put(cst.CSTTransformer):
    """Puts ``node`` where the name ``hole`` is."""

    def __init__(self, hole: str, node: cst.BaseExpression) -> None:
        self.hole = hole
        self.node = node

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.node if original.value == self.hole else updated
