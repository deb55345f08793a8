"""Tutorial graphs, one module each, found by name.

A recipe says what the tutorial feeds, builds and fetches, and how its NumPy twin computes the
same step in float32. The training loops (``tf1repro.graph``, ``tf1repro.reference``) are shared:
to port another single-parameter TF1 tutorial, add one module here with a ``Recipe`` subclass.
Subclasses register themselves by their ``name``; every module in this package is imported on
the first lookup.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from tf1repro.config import TrainConfig

F32 = np.float32
Column = npt.NDArray[np.float32]
"""One float32 value per run: shape ``[runs]``."""
Rows = npt.NDArray[np.float32]
"""Each run's fed rows: shape ``[runs, rows]``."""


@dataclass(frozen=True)
class GraphHandles:
    """The tensors and ops of a built TF1 graph that the training loop feeds and fetches."""

    x: Any
    y: Any
    param: Any
    loss: Any
    train_op: Any


class Recipe(ABC):
    """One TF1 training graph with a single trained parameter, and its float32 NumPy twin."""

    name: ClassVar[str]
    """Registry key, also the ``trainer`` field of a Run."""
    param_shape: ClassVar[tuple[int, ...]]
    """Shape of the parameter in the graph; the log prints it in this shape."""
    loss_shape: ClassVar[tuple[int, ...]]
    """Shape of the fetched loss; the log prints it in this shape."""
    feed_shape: ClassVar[tuple[int, ...]]
    """Shape the sampled rows are fed in (-1 stands for the number of rows)."""

    _registry: ClassVar[dict[str, type[Recipe]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            if cls.name in Recipe._registry:
                raise ValueError(f"two recipes are named {cls.name!r}")
            Recipe._registry[cls.name] = cls

    @abstractmethod
    def sample_step(self, rng: np.random.RandomState, config: TrainConfig) -> npt.ArrayLike:
        """Draw one step's data indices, with the tutorial's own ``np.random`` call."""

    @abstractmethod
    def build_graph(self, tf: ModuleType, config: TrainConfig) -> GraphHandles:
        """Build the tutorial's graph into the current default graph (``tf`` is tf.compat.v1).

        Create ops in the tutorial's order: op-level seeds derive from the graph seed and the
        number of ops created before, so the order decides the initial value of the parameter.
        """

    @abstractmethod
    def reference_step(self, a: Column, x: Rows, y: Rows, lr: np.float32) -> Column:
        """One gradient-descent step in float32, in the order TF's gradient graph computes it.

        Works on many independent runs at once: ``a[r]`` is run r's parameter and ``x[r]``,
        ``y[r]`` its rows for this step. A single run is the case of one row of runs.
        """

    @abstractmethod
    def reference_loss(self, a: Column, x: Rows, y: Rows) -> Column:
        """The loss the graph fetches, one float32 value per run."""

    def eager_loss(self, tf: ModuleType, a: Any, x: Any, y: Any) -> Any:
        """The same loss written for TF2 (``tf`` is ``tensorflow`` with v2 behaviour on).

        ``a`` is a ``tf.Variable`` of ``param_shape``; ``x`` and ``y`` are float32 tensors of
        ``feed_shape``. Used by ``tf1repro.eager``, which differentiates it with a GradientTape.
        """
        raise NotImplementedError(f"the {self.name!r} recipe has no TF2 (eager) port")


def get_recipe(name: str) -> Recipe:
    """The registered recipe called ``name`` (e.g. ``"stochastic"`` or ``"batch"``)."""
    _import_all()
    try:
        return Recipe._registry[name]()
    except KeyError:
        known = ", ".join(sorted(Recipe._registry))
        raise ValueError(f"unknown trainer {name!r}; known trainers: {known}") from None


def recipe_names() -> tuple[str, ...]:
    _import_all()
    return tuple(sorted(Recipe._registry))


def _import_all() -> None:
    package: ModuleType = importlib.import_module(__name__)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{__name__}.{module.name}")
