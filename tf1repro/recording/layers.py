"""``tf.layers.dense`` as what a TF2 program writes instead: its two variables and a function.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import libcst as cst

from tf1repro.recording.sites import GraphSites

#: ``tf.layers.dense`` arguments the port knows, by position.
DENSE_POSITIONAL = ("inputs", "units", "activation", "use_bias")
#: Arguments that only name the TF1 variables (the port keeps the script's names).
DENSE_DROPPED = frozenset({"name", "reuse", "trainable"})


@dataclass(frozen=True)
class Dense:
    """What a ``tf.layers.dense`` call says: its input, activation and whether it adds a bias."""

    inputs: cst.BaseExpression
    activation: cst.BaseExpression | None
    use_bias: bool


def dense_arguments(call: cst.Call) -> Dense:
    """The arguments of ``tf.layers.dense(...)``; ``ValueError`` for one the port does not
    port (an initialiser, a regulariser, a constraint...)."""
    given: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        if arg.keyword is not None:
            key = arg.keyword.value
        elif index < len(DENSE_POSITIONAL):
            key = DENSE_POSITIONAL[index]
        else:
            raise ValueError("tf.layers.dense with positional arguments after use_bias")
        if key not in DENSE_POSITIONAL and key not in DENSE_DROPPED:
            raise ValueError(f"tf.layers.dense with {key} (port by hand)")
        given[key] = arg.value
    use_bias = given.get("use_bias")
    if use_bias is not None and not (
        isinstance(use_bias, cst.Name) and use_bias.value in ("True", "False")
    ):
        raise ValueError("tf.layers.dense whose use_bias is not True or False")
    activation = given.get("activation")
    if isinstance(activation, cst.Name) and activation.value == "None":
        activation = None
    return Dense(given["inputs"], activation, use_bias is None or use_bias.value == "True")


def glorot_limit(shape: tuple[int, ...]) -> float:
    """The bound of TF1's Glorot uniform initialiser for a kernel of ``shape``, computed as
    ``VarianceScaling`` computes it (float64, then the op converts it to float32)."""
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    scale = 1.0 / max(1.0, (fan_in + fan_out) / 2.0)
    return math.sqrt(3.0 * scale)


def dense_variables(graph: GraphSites, line: int) -> tuple[str, str | None]:
    """The TF1 names of the kernel and bias that the ``tf.layers.dense`` on ``line`` made."""
    made = [name for name, where in graph.variables.items() if where == line]
    kernels = [name for name in made if name.endswith("/kernel")]
    biases = [name for name in made if name.endswith("/bias")]
    if len(kernels) != 1 or len(biases) > 1 or len(made) != len(kernels) + len(biases):
        raise ValueError("a line that makes several layers (port by hand)")
    return kernels[0], biases[0] if biases else None


def dense_statements(
    tf: str, names: tuple[str, str | None], shape: tuple[int, ...], seed: int | None
) -> list[str]:
    """The variables of a dense layer named ``names`` (kernel, bias or None), its kernel of
    ``shape`` drawn with the op seed ``seed`` (None: unseeded, as TF1 drew it)."""
    kernel, bias = names
    limit = glorot_limit(shape)
    seeded = "" if seed is None else f", seed={seed}"
    lines = [
        "# tf.layers.dense's variables: its Glorot uniform kernel drawn as TF1 drew it\n"
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
