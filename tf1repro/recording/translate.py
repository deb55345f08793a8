"""The small node-level translations of ``rewrite``: TF1 names to TF2 ones, optimizers, calls.

Each function takes and returns libcst nodes and can be tested alone.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from tf1repro.recording.constructs import dotted

INITIALIZERS = ("global_variables_initializer", "initialize_all_variables")

#: The calls that make a seeded random op (the last part of their name).
RANDOM_FUNCTIONS = frozenset(
    {
        "random_normal",
        "normal",
        "truncated_normal",
        "random_uniform",
        "uniform",
        "random_shuffle",
        "shuffle",
        "multinomial",
        "categorical",
        "random_gamma",
        "gamma",
        "random_poisson",
        "poisson",
    }
)

#: TF1 names under ``tf.`` and their TF2 homes.
RENAMES = {
    "random_normal": "random.normal",
    "random_uniform": "random.uniform",
    "truncated_normal": "random.truncated_normal",
    "random_shuffle": "random.shuffle",
    "random_gamma": "random.gamma",
    "random_poisson": "random.poisson",
    "multinomial": "random.categorical",
    "set_random_seed": "random.set_seed",
    "log": "math.log",
    "squared_difference": "math.squared_difference",
    "arg_max": "math.argmax",
    "arg_min": "math.argmin",
    "nn.softmax_cross_entropy_with_logits_v2": "nn.softmax_cross_entropy_with_logits",
}

#: TF1 keyword arguments of ``tf.`` functions (``reduce_sum``'s...) and their TF2 names.
KEYWORDS = {"reduction_indices": "axis", "keep_dims": "keepdims"}

#: v1 optimizer -> (the Keras optimizer a person picks today, its positional parameters as v1
#: orders them, v1 keyword -> Keras keyword, Keras arguments that make it the v1 algorithm).
KERAS_OPTIMIZERS: dict[str, tuple[str, tuple[str, ...], dict[str, str], dict[str, str]]] = {
    "GradientDescentOptimizer": ("SGD", ("learning_rate",), {}, {}),
    "MomentumOptimizer": (
        "SGD",
        ("learning_rate", "momentum"),
        {"use_nesterov": "nesterov"},
        {},
    ),
    "AdamOptimizer": (
        "Adam",
        ("learning_rate", "beta_1", "beta_2", "epsilon"),
        {"beta1": "beta_1", "beta2": "beta_2"},
        {"epsilon": "1e-08"},
    ),
    "AdagradOptimizer": (
        "Adagrad",
        ("learning_rate", "initial_accumulator_value"),
        {},
        {"initial_accumulator_value": "0.1"},
    ),
    "RMSPropOptimizer": (
        "RMSprop",
        ("learning_rate", "rho", "momentum", "epsilon"),
        {"decay": "rho"},
        {"epsilon": "1e-10"},
    ),
}
#: The Keras optimizers that compute the v1 update bit for bit (measured, see docs/porting.md).
EXACT_KERAS = frozenset({"GradientDescentOptimizer"})
#: v1 arguments with no Keras meaning.
DROPPED_ARGUMENTS = frozenset({"use_locking", "name"})


class Unportable(Exception):
    """The script holds what ``tf1repro port`` does not port; one ``line N: why`` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def contains(node: cst.CSTNode, test: Callable[[cst.CSTNode], bool]) -> bool:
    """Whether ``node`` or a node inside it passes ``test``."""
    found = False

    class Search(cst.CSTVisitor):
        def on_visit(self, inner: cst.CSTNode) -> bool:
            nonlocal found
            found = found or test(inner)
            return not found

    node.visit(Search())
    return found


def names_read(node: cst.CSTNode) -> list[str]:
    """The names ``node`` reads, in order (see ``replace_names``)."""
    found: list[str] = []

    def note(name: str) -> None:
        found.append(name)

    replace_names(node, note)
    return found


def replace_names(
    node: cst.CSTNode, replacement: Callable[[str], cst.BaseExpression | None]
) -> cst.CSTNode:
    """``node`` with each name it reads replaced by ``replacement(name)`` (kept when None);
    attribute parts (``tf.square``'s ``square``) and keywords (``logits=``) are not names read."""

    class Replace(cst.CSTTransformer):
        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
            return replacement(original.value) or updated

        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
            return updated.with_changes(attr=original.attr)

        def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
            return updated.with_changes(keyword=original.keyword)

    return node.visit(Replace())  # type: ignore[return-value]


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value``, spaced as PEP 8 spaces keyword arguments."""
    tight = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    return cst.Arg(value, keyword=cst.Name(name), equal=tight)


def with_numpy(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node.numpy()``: what ``sess.run`` returned, a NumPy value."""
    if not isinstance(node, (cst.Name, cst.Call, cst.Attribute, cst.Subscript)):
        node = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(cst.Attribute(node, cst.Name("numpy")))


def renamed(node: cst.Attribute, tf: str) -> cst.BaseExpression | None:
    """The TF2 spelling of ``tf.<TF1 name>``, or None when it has none to change."""
    head, _, rest = dotted(node).partition(".")
    if head != tf or rest not in RENAMES:
        return None
    return cst.parse_expression(f"{tf}.{RENAMES[rest]}")


def renamed_keyword(arg: cst.Arg) -> cst.Arg:
    """``arg`` with its TF2 keyword (``reduction_indices=1`` is ``axis=1``)."""
    if arg.keyword is None or arg.keyword.value not in KEYWORDS:
        return arg
    return arg.with_changes(keyword=cst.Name(KEYWORDS[arg.keyword.value]))


def optimizer_call(call: cst.Call, tf: str, exact: bool) -> tuple[cst.Call, str, bool]:
    """The TF2 optimizer for ``tf.train.<X>Optimizer(...)``, its full name, and whether it
    computes the v1 update bit for bit: the Keras one, or with ``exact`` (where Keras computes
    other bits) v1's own (run in the traced training step)."""
    kind = dotted(call.func).rpartition(".")[2]
    if kind not in KERAS_OPTIMIZERS or (exact and kind not in EXACT_KERAS):
        name = f"{tf}.compat.v1.train.{kind}"
        return call.with_changes(func=cst.parse_expression(name)), name, True
    keras, positional, keywords, defaults = KERAS_OPTIMIZERS[kind]
    args = []
    for index, arg in enumerate(call.args):
        if arg.keyword is None:
            key = positional[index] if index < len(positional) else f"arg{index}"
        else:
            key = keywords.get(arg.keyword.value, arg.keyword.value)
        if key not in DROPPED_ARGUMENTS:
            args.append(keyword_arg(key, arg.value))
    given = {arg.keyword.value for arg in args if arg.keyword is not None}
    for key, value in defaults.items():
        if key not in given:
            args.append(keyword_arg(key, cst.parse_expression(value)))
    name = f"{tf}.keras.optimizers.{keras}"
    return cst.Call(cst.parse_expression(name), args), name, kind in EXACT_KERAS
