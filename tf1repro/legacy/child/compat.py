"""The compatibility layer (unless the run is strict), every use reported in ``child.json``.

``tensorflow.examples.tutorials.mnist.input_data`` over local MNIST files
(``tf1repro/mnist/input_data.py``, which a ported program imports by its public name);
the ``tf.contrib`` names with a faithful TensorFlow 2 home (``standins/contrib.py``); Keras 2
(tf-keras, ``TF_USE_LEGACY_KERAS=1`` before TensorFlow loads) for ``tf.keras``, ``tf.layers``
and a script's own ``import keras`` on TensorFlow >= 2.16, when the matching tf-keras is
installed (``versions.keras_choice``); and, when asked, soft device placement for every
``Session``.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

INPUT_DATA = "tensorflow.examples.tutorials.mnist.input_data"


class Layer:
    """The layer of one run: what it serves and how it reports each use.

    ``load(name, file)`` loads a stand-in from its file (under ``standins``, or the MNIST reader
    ``mnist_reader``) and registers it as ``name``; ``report(api, stand_in)`` records a use
    (see ``outcome.Outcome.report``).
    """

    def __init__(
        self,
        config: dict[str, Any],
        standins: Path,
        mnist_reader: Path,
        load: Callable[[str, Path], ModuleType],
        report: Callable[[str, str], None],
    ) -> None:
        self.on: bool = config["compat"]
        self.data_dir: str | None = config["data_dir"]
        self.soft_placement: bool = config["soft_placement"]
        #: The script's working copy and its real folder (the stand-ins name the latter).
        self.folders = (str(Path(config["work"])), str(Path(config["origin"])))
        self.standins = standins
        self.mnist_reader = mnist_reader
        self.load = load
        self.report = report
        #: ``"tf-keras X"`` when Keras 2 serves ``tf.keras`` and ``import keras``.
        self.legacy_keras = ""
        self.keras_note = "off"
        #: ``tf.compat.v1``, once the script has imported TensorFlow.
        self.v1: Any = None
        self.contrib_module: ModuleType | None = None
        #: ``standins/downloads.py``'s ``path(url)`` with ``--data-cache``: where ``input_data``
        #: asks for a file that is not in its folder.
        self.fetch: Callable[[str], str] | None = None

    def use_keras(self, legacy: str, note: str) -> None:
        """Turn Keras 2 on (``legacy`` names it, see ``versions.keras_choice``) or note why it
        stays off; the environment variable must be set before TensorFlow is imported."""
        self.legacy_keras = legacy
        if legacy:
            os.environ["TF_USE_LEGACY_KERAS"] = "1"
        else:
            self.keras_note = note

    def settings(self) -> dict[str, Any]:
        """The layer's settings, as ``child.json`` shows them."""
        return {
            "on": self.on,
            "legacy_keras": self.legacy_keras or self.keras_note,
            "soft_placement": self.soft_placement,
            "data_dir": self.data_dir,
        }

    def patch(self, v1: Any) -> None:
        """Once TensorFlow is imported: keep ``v1`` for ``tf.contrib``, place softly if asked."""
        self.v1 = v1
        if self.soft_placement:
            self.place_softly(v1)

    # -- stand-ins ----------------------------------------------------------------------------

    def contrib(self) -> ModuleType:
        """The ``tf.contrib`` stand-in (made once, registered as ``tensorflow.contrib``)."""
        if self.contrib_module is None:
            assert self.v1 is not None
            standin: Any = self.load("tf1repro_legacy_contrib", self.standins / "contrib.py")
            standin.REPORT = self.report
            self.contrib_module = standin.Contrib(self.v1)
            sys.modules["tensorflow.contrib"] = self.contrib_module
        return self.contrib_module

    def input_data(self) -> ModuleType:
        """``tensorflow.examples.tutorials.mnist`` and its ``input_data`` stand-in."""
        module = sys.modules.get(INPUT_DATA)
        if module is None:
            parent: ModuleType | None = None
            for depth in range(2, 5):  # tensorflow.examples ... tensorflow.examples.tutorials.mnist
                package = ModuleType(".".join(INPUT_DATA.split(".")[:depth]))
                package.__path__ = []
                sys.modules[package.__name__] = package
                if parent is not None:
                    setattr(parent, package.__name__.rpartition(".")[2], package)
                parent = package
            module = self.load(INPUT_DATA, self.mnist_reader)
            settings: Any = module
            settings.DATA_DIR = self.data_dir
            settings.FOLDER_MAP = self.folders
            settings.FETCH = self.fetch
            assert parent is not None
            parent.__dict__["input_data"] = module
            places = f"train_dir, then {self.data_dir}" if self.data_dir else "train_dir"
            if self.fetch is None:
                self.report(INPUT_DATA, f"local MNIST files ({places}; never downloaded)")
            else:
                self.report(INPUT_DATA, f"local MNIST files ({places}, then the data cache)")
        return module

    def import_standin(self, name: str) -> Any:
        """What ``import tensorflow.contrib...`` or ``tensorflow.examples...`` names."""
        if name.startswith("tensorflow.examples"):
            if not INPUT_DATA.startswith(name):
                self.report(name, "")
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            self.input_data()
            return sys.modules[name]
        module: Any = self.contrib()
        for part in name.split(".")[2:]:
            try:
                module = getattr(module, part)
            except AttributeError as error:
                raise ModuleNotFoundError(str(error), name=name) from None
        return module

    # -- device placement --------------------------------------------------------------------

    def place_softly(self, v1: Any) -> None:
        """Every Session places ops pinned to a missing device (``/gpu:0``) on one that exists."""
        v1.config.set_soft_device_placement(True)
        for session in (v1.Session, v1.InteractiveSession):
            session.__init__ = self.soft_session(v1, session.__init__)

    def soft_session(self, v1: Any, init: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(init)
        def soft_init(
            session: Any, target: str = "", graph: Any = None, config: Any = None
        ) -> None:
            placed = v1.ConfigProto()
            if config is not None:
                placed.CopyFrom(config)
            placed.allow_soft_placement = True
            self.report("tf.Session device placement", "allow_soft_placement=True")
            init(session, target, graph, placed)

        return soft_init
