"""TensorFlow 1 names for the script's own imports, and TF 1.x's argument guard.

``builtins.__import__`` is wrapped, and only imports made by the script's own code (files in its
folder) are redirected: ``import tensorflow as tf``, ``import tensorflow.compat.v1 as tf`` and
``from tensorflow import ...`` yield ``tf.compat.v1`` with v2 behaviour disabled;
``from tensorflow.python... import ...`` is left alone. TensorFlow's own modules and libraries
such as Keras keep seeing the real package. With Keras 2 on (see ``compat``), the script's
``import keras`` is tf-keras.

TF 1.x refused positional arguments in the ``*_cross_entropy_with_logits`` losses; TF 2's
``compat.v1`` silently takes the first two as ``labels, logits``, so
``softmax_cross_entropy_with_logits(logits, labels)`` trains on swapped inputs. The guard is
put back, with TF 1.x's error message.
"""

from __future__ import annotations

import builtins
import functools
import sys
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tf1repro.legacy.child.compat import Layer

#: The real package's facts about its build that TF1 scripts read (``tf.__version__``...).
BUILD_FACTS = (
    "__version__",
    "__git_version__",
    "__compiler_version__",
    "__cxx11_abi_flag__",
    "__cxx_version__",
    "__monolithic_build__",
)

#: ``tf.<name>`` attributes that Keras 2 serves when legacy Keras is on.
KERAS_NAMES = ("keras", "layers")

#: TF 1.x guarded these with a ``_sentinel`` first argument; TF 2's compat.v1 dropped the guard.
KEYWORD_ONLY_LOSSES = (
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits",
)


def import_tensorflow(log: TextIO) -> ModuleType:
    """Import TensorFlow with its start-up noise sent to ``log``, v2 behaviour disabled."""
    saved, sys.stderr = sys.stderr, log
    try:
        import tensorflow as tf

        tf.get_logger()  # creates its handler now, on the TensorFlow log
        tf.compat.v1.disable_v2_behavior()
    finally:
        sys.stderr = saved
    return sys.modules["tensorflow"]


class TensorFlowAlias(ModuleType):
    """What the script gets for ``tensorflow``: the attributes of ``tf.compat.v1``, the stand-ins
    of the compatibility layer, then the real package's loaded submodules."""

    def __init__(self, package: ModuleType, layer: Layer) -> None:
        v1: Any = package.compat.v1
        super().__init__("tensorflow", v1.__doc__)
        self._v1 = v1
        self._layer = layer
        # Scripts print `tf.__version__`; these are the real package's, not v1's.
        for name in BUILD_FACTS:
            if hasattr(package, name):
                setattr(self, name, getattr(package, name))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        layer = self._layer
        if name == "contrib" and layer.on:
            return layer.contrib()
        try:
            value = getattr(self._v1, name)
        except AttributeError:
            pass
        else:
            if name in KERAS_NAMES and layer.legacy_keras:
                layer.report(f"tf.{name}", f"Keras 2 ({layer.legacy_keras})")
            return value
        # `import tensorflow.python.framework.ops` binds `tensorflow` to this alias; its
        # submodules stay reachable as attributes, as they are on the real package.
        submodule = sys.modules.get(f"tensorflow.{name}")
        if submodule is not None:
            return submodule
        layer.report(f"tf.{name}", "")
        raise AttributeError(f"module 'tensorflow' (tf.compat.v1) has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._v1)) | set(self.__dict__))


class ImportHook:
    """``builtins.__import__`` for the script's run (see the module docstring).

    ``tensorflow()`` gives the alias (importing and preparing TensorFlow the first time);
    ``after()`` runs after every other import (it patches pyplot once loaded).
    """

    def __init__(
        self,
        is_user_file: Callable[[str], bool],
        layer: Layer,
        tensorflow: Callable[[], TensorFlowAlias],
        after: Callable[[], None],
    ) -> None:
        self.is_user_file = is_user_file
        self.layer = layer
        self.tensorflow = tensorflow
        self.after = after
        self.real_import = builtins.__import__

    def __call__(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        top = name.partition(".")[0]
        if level == 0 and top in ("tensorflow", "keras") and self.is_user_code(globals):
            layer = self.layer
            if top == "keras":
                if layer.legacy_keras:
                    layer.report("keras", f"Keras 2 ({layer.legacy_keras})")
                    return self.real_import("tf_keras" + name[5:], globals, locals, fromlist, 0)
            else:
                alias = self.tensorflow()
                if layer.on and name.startswith(("tensorflow.contrib", "tensorflow.examples")):
                    module = layer.import_standin(name)
                    return module if fromlist else alias
                module = self.real_import(name, globals, locals, fromlist, level)
                if fromlist and name != "tensorflow":
                    return module
                return alias
        module = self.real_import(name, globals, locals, fromlist, level)
        self.after()
        return module

    def is_user_code(self, importer_globals: Any) -> bool:
        """Whether an import comes from the script's own files."""
        path = (importer_globals or {}).get("__file__")
        return isinstance(path, str) and self.is_user_file(path)


def guard_losses(v1: Any) -> None:
    """Put TF 1.x's keyword-only guard back on the losses that had it."""
    for loss in KEYWORD_ONLY_LOSSES:
        setattr(v1.nn, loss, keyword_only(getattr(v1.nn, loss)))


def keyword_only(loss: Any) -> Any:
    @functools.wraps(loss)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if args:
            raise ValueError(
                f"Only call `{loss.__name__}` with named arguments (labels=..., logits=..., ...)"
            )
        return loss(**kwargs)

    return guarded
