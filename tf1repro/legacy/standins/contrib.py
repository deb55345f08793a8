"""``tf.contrib``: the names that have a faithful home in TensorFlow 2 or tf-slim, and no others.

TensorFlow 2 removed ``tf.contrib``. Some of it moved unchanged: the RNN cells and static RNNs
into ``tf.compat.v1.nn``, ``tf.contrib.layers`` and ``tf.contrib.slim`` into the tf-slim
package, ``tf.contrib.eager``'s gradient functions into TensorFlow's eager backprop module.
Those are served here, each use reported through ``REPORT`` (set by the bootstrap). Everything
else (``tf.contrib.learn``, ``legacy_seq2seq``, ``factorization``, ``tensor_forest``...) has no
faithful replacement: asking for it is reported too, and fails with a message that says so.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

#: ``REPORT(api, stand_in)``: a removed API was used; ``stand_in`` is empty when none served it.
REPORT: Callable[[str, str], None] | None = None

#: tf.contrib.rnn's functions that live on in ``tf.compat.v1.nn``.
RNN_FUNCTIONS = ("static_rnn", "static_bidirectional_rnn", "static_state_saving_rnn")

#: tf.contrib.eager's names -> (module, attribute) of the same function in TensorFlow 2.
EAGER = {
    "implicit_gradients": ("tensorflow.python.eager.backprop", "implicit_grad"),
    "implicit_value_and_gradients": ("tensorflow.python.eager.backprop", "implicit_val_and_grad"),
    "gradients_function": ("tensorflow.python.eager.backprop", "gradients_function"),
    "value_and_gradients_function": ("tensorflow.python.eager.backprop", "val_and_grad_function"),
}
#: tf.contrib.eager's names that are tf.compat.v1's.
EAGER_V1 = ("enable_eager_execution", "executing_eagerly", "Variable", "GradientTape")

#: tf.contrib.util's names that are tf.compat.v1's.
UTIL_V1 = ("make_tensor_proto", "make_ndarray")


def _report(api: str, stand_in: str) -> None:
    if REPORT is not None:
        REPORT(api, stand_in)


class NoStandIn(AttributeError):
    """A ``tf.contrib`` name without a faithful TensorFlow 2 replacement."""

    # Tracebacks name it as the script knows it, not by this file.
    __module__ = "tensorflow.contrib"


def eager_iterator(dataset: Any) -> Any:
    """``tfe.Iterator(dataset)``: in eager mode a dataset's own iterator (``next(it)``,
    ``it.next()``) is what it was."""
    return iter(dataset)


def tf_slim() -> ModuleType:
    """tf-slim, or the ImportError that says it must be installed."""
    try:
        return importlib.import_module("tf_slim")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "No module named 'tf_slim' (tf.contrib.layers and tf.contrib.slim live on in the "
            "tf-slim package: pip install tf-slim)",
            name="tf_slim",
        ) from None


class Namespace(ModuleType):
    """One ``tf.contrib.<part>``: each attribute is looked up by ``resolve`` and reported."""

    def __init__(self, name: str, resolve: Callable[[str], tuple[Any, str] | None]) -> None:
        super().__init__(f"tensorflow.contrib.{name}")
        self._part = name
        self._resolve = resolve

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        api = f"tf.contrib.{self._part}.{attr}"
        found = self._resolve(attr)
        if found is None:
            _report(api, "")
            raise NoStandIn(
                f"{api} was removed with tf.contrib and has no faithful stand-in; port this call"
            )
        value, where = found
        _report(api, where)
        setattr(self, attr, value)  # reported once
        return value


class Contrib(ModuleType):
    """``tf.contrib`` itself: its parts that have a stand-in, and a clear error for the rest."""

    def __init__(self, v1: Any) -> None:
        super().__init__("tensorflow.contrib")
        self._v1 = v1
        self._parts: dict[str, Callable[[], ModuleType]] = {
            "rnn": lambda: Namespace("rnn", self._rnn),
            "layers": lambda: Namespace("layers", self._layers),
            "eager": lambda: Namespace("eager", self._eager),
            "util": lambda: Namespace("util", self._util),
            "keras": lambda: Namespace("keras", self._keras),
            "slim": self._slim,
        }

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        make = self._parts.get(attr)
        if make is None:
            _report(f"tf.contrib.{attr}", "")
            raise NoStandIn(
                f"tf.contrib.{attr} was removed with tf.contrib and has no faithful stand-in; "
                "port this call"
            )
        part = make()
        setattr(self, attr, part)
        return part

    def _rnn(self, attr: str) -> tuple[Any, str] | None:
        cells = self._v1.nn.rnn_cell
        if hasattr(cells, attr):
            return getattr(cells, attr), f"tf.compat.v1.nn.rnn_cell.{attr}"
        if attr in RNN_FUNCTIONS:
            return getattr(self._v1.nn, attr), f"tf.compat.v1.nn.{attr}"
        return None

    def _layers(self, attr: str) -> tuple[Any, str] | None:
        # tf-slim's top level is tf.contrib.layers' namespace (layers, initializers,
        # regularizers, optimize_loss, summaries); its module objects are internals.
        value = getattr(tf_slim(), attr, None)
        if value is None or isinstance(value, ModuleType):
            return None
        return value, f"tf_slim.{attr}"

    def _slim(self) -> ModuleType:
        module = tf_slim()
        _report("tf.contrib.slim", "tf_slim")
        return module

    def _eager(self, attr: str) -> tuple[Any, str] | None:
        if attr in EAGER_V1:
            return getattr(self._v1, attr), f"tf.compat.v1.{attr}"
        if attr == "Iterator":
            return eager_iterator, "iter(dataset)"
        if attr in EAGER:
            module, name = EAGER[attr]
            return getattr(importlib.import_module(module), name), f"{module}.{name}"
        return None

    def _util(self, attr: str) -> tuple[Any, str] | None:
        if attr in UTIL_V1:
            return getattr(self._v1, attr), f"tf.compat.v1.{attr}"
        return None

    def _keras(self, attr: str) -> tuple[Any, str] | None:
        # tf.contrib.keras was TensorFlow's own Keras, the one tf.keras still is.
        value = getattr(self._v1.keras, attr, None)
        return None if value is None else (value, f"tf.compat.v1.keras.{attr}")
