"""Seeds, when the run has one.

``random`` and NumPy's global RandomState are seeded before the script starts; every
``tf.Graph`` the script makes gets the graph seed (the default graph too, when it is first made,
so ``tf.enable_eager_execution()`` still works as line 1, and then seeds the eager context);
each ``reset_default_graph()`` reseeds ``random`` and NumPy as well.
"""

from __future__ import annotations

import functools
import random
from typing import Any


def reseed(seed: int) -> None:
    """Seed ``random`` and NumPy's global RandomState (NumPy is imported to do so)."""
    random.seed(seed)
    import numpy

    numpy.random.seed(seed)


def seed_graphs(v1: Any, seed: int) -> None:
    """Give every graph the script makes the graph seed (see the module docstring)."""
    from tensorflow.python.framework import ops

    make_graph = ops.Graph.__init__

    @functools.wraps(make_graph)
    def seeded_graph(graph: Any, *args: Any, **kwargs: Any) -> None:
        make_graph(graph, *args, **kwargs)
        if type(graph) is ops.Graph:  # not TensorFlow's internal function graphs
            graph.seed = seed

    # The default graph is made on first use, and seeded then: making it now would stop
    # the script from calling tf.enable_eager_execution() as its first line.
    ops.Graph.__init__ = seeded_graph
    reset = ops.reset_default_graph

    @functools.wraps(reset)
    def reset_and_reseed() -> None:
        reset()
        reseed(seed)

    ops.reset_default_graph = reset_and_reseed
    v1.reset_default_graph = reset_and_reseed
    enable = v1.enable_eager_execution

    @functools.wraps(enable)
    def enable_and_seed(*args: Any, **kwargs: Any) -> None:
        enable(*args, **kwargs)
        v1.set_random_seed(seed)  # the eager context's global seed

    v1.enable_eager_execution = enable_and_seed
