"""The TF1 training loop: build a recipe's graph, feed it step by step, record a Run.

This is the article's loop, written once for every recipe: sample indices, ``sess.run`` the train
op on that batch, then read the parameter and the loss on the same batch.
"""

from __future__ import annotations

import numpy as np

from tf1repro import runtime
from tf1repro.config import TrainConfig, validate_seed
from tf1repro.data import draw_inputs, targets
from tf1repro.errors import DivergenceError
from tf1repro.recipes import get_recipe
from tf1repro.record import Run


def train(trainer: str, config: TrainConfig | None = None, seed: int = 0) -> Run:
    """Train ``trainer`` ("stochastic" or "batch") in a fresh TF1 graph and session.

    ``seed`` seeds NumPy's RandomState (the data and the sampled indices) and the TF graph seed
    (the initial ``A``). Raises ``DivergenceError`` at the first step whose loss is not finite.
    """
    config = config or TrainConfig()
    seed = validate_seed(seed)
    recipe = get_recipe(trainer)
    inputs = draw_inputs(config, recipe.sample_step, seed)
    x32 = inputs.x.astype(np.float32)
    y32 = targets(config).astype(np.float32)

    params = np.empty(config.steps, dtype=np.float32)
    losses = np.empty(config.steps, dtype=np.float32)
    tf = runtime.tf_v1()
    with runtime.graph_session(seed) as session:
        graph = recipe.build_graph(tf, config)
        session.run(tf.global_variables_initializer())
        a0 = session.run(graph.param).reshape(-1)[0]
        for step, rows in enumerate(inputs.indices, start=1):
            feed = {
                graph.x: x32[rows].reshape(recipe.feed_shape),
                graph.y: y32[rows].reshape(recipe.feed_shape),
            }
            session.run(graph.train_op, feed_dict=feed)
            param, loss = session.run([graph.param, graph.loss], feed_dict=feed)
            params[step - 1] = np.reshape(param, -1)[0]
            losses[step - 1] = np.reshape(loss, -1)[0]
            if not np.isfinite(losses[step - 1]):
                raise DivergenceError(trainer, "graph", step, float(losses[step - 1]))
    return Run(
        trainer=trainer,
        backend="graph",
        config=config,
        seed=seed,
        versions=runtime.versions(),
        x=inputs.x,
        indices=inputs.indices,
        a0=a0,
        a=params,
        loss=losses,
    )
