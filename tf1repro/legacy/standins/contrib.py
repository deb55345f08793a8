"""``tf.contrib``: the names that have a faithful home in TensorFlow 2 or tf-slim, and no others.

TensorFlow 2 removed ``tf.contrib``. Some of it moved unchanged: the RNN cells and static RNNs
into ``tf.compat.v1.nn`` (Keras 2's code: on TensorFlow >= 2.16 they need tf-keras),
``tf.contrib.layers`` and ``tf.contrib.slim`` into the tf-slim package, ``tf.contrib.eager``'s
gradient functions into TensorFlow's eager backprop module. A few RNN pieces that moved nowhere
are TF 1.x's code written out in core ops (``rnn.py`` beside this file). Those are served here,
each use reported through ``REPORT`` (set by the bootstrap). Everything else
(``tf.contrib.learn``, ``legacy_seq2seq``, the rest of ``seq2seq``, ``factorization``,
``tensor_forest``...) has no faithful replacement: asking for it is reported too, and fails with
a message that says so.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
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

#: tf.contrib.seq2seq's names written out in ``rnn.py``; the decoders and attention wrappers
#: have no faithful TF 2 home.
SEQ2SEQ_WRITTEN = ("sequence_loss",)
#: What ``rnn.py`` is called in the script's process (loaded by path, like this file).
WRITTEN_MODULE = "tf1repro_legacy_rnn"
#: TensorFlow's message when Keras 3 hides a Keras 2 class (the RNN cells, tf.layers).
KERAS3_MESSAGE = "is not available with Keras 3"


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


def written() -> ModuleType:
    """``rnn.py`` beside this file: loaded by its path, since the script's process holds no
    tf1repro package, and once."""
    module = sys.modules.get(WRITTEN_MODULE)
    if module is None:
        spec = importlib.util.spec_from_file_location(
            WRITTEN_MODULE, Path(__file__).with_name("rnn.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[WRITTEN_MODULE] = module
        spec.loader.exec_module(module)
    return module


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
            "seq2seq": lambda: Namespace("seq2seq", self._seq2seq),
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
        try:
            return getattr(self._v1.nn.rnn_cell, attr), f"tf.compat.v1.nn.rnn_cell.{attr}"
        except AttributeError as error:
            # The cells are Keras 2's: without tf-keras, TF >= 2.16 hides them. Its own error
            # says so (a `keras3` failure), rather than "no stand-in".
            if KERAS3_MESSAGE in str(error):
                _report(f"tf.contrib.rnn.{attr}", "")
                raise
        if attr in RNN_FUNCTIONS:
            return getattr(self._v1.nn, attr), f"tf.compat.v1.nn.{attr}"
        return None

    def _seq2seq(self, attr: str) -> tuple[Any, str] | None:
        if attr in SEQ2SEQ_WRITTEN:
            return getattr(written(), attr), "TF 1.15's code in tf.compat.v1 ops"
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
