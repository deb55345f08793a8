"""Recipe 03/06, lasso and ridge regression: the L2 fit plus a penalty on the slope ``A``.

The original picks one by ``regression_type`` ('Ridge' as published, or 'LASSO'); here each
is a tutorial. Lasso adds a steep sigmoid step, ``99 / (1 + exp(-50 (A - 0.9)))``, that is
about 0 below ``A = 0.9`` and 99 above; ridge adds ``mean(square(A))`` and lifts the loss to
shape ``[1]`` with ``expand_dims``. Both: batches of 50, ``GradientDescentOptimizer(0.001)``
for 1500 steps, printed every 300 with two blank lines (``print('\\n')``). The original seeds
itself with 13 after making its placeholders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.tutorials.cookbook03.common import LinearFit, RegressionConfig

SEED = 13


@dataclass(frozen=True)
class PenaltyConfig(RegressionConfig):
    steps: int = param(1500, Int(1, MAX_STEPS), "optimizer steps (the original's range(N))")
    learning_rate: float = param(0.001, Float(positive=True), "GradientDescentOptimizer's rate")
    batch_size: int = param(50, Int(1, 1_000_000), "rows drawn (with replacement) per step")
    log_every: int = param(300, Int(1, MAX_STEPS), "print A, b and the loss every N steps")


class _Penalised(LinearFit[PenaltyConfig]):
    own_seed = SEED
    # The original's tf.set_random_seed comes after its placeholders (np.random.seed is in
    # data()).
    graph_seed = SEED
    blank_lines = 2
    loss_label = "Loss"
    fit_title = "Sepal Length vs Pedal Width"
    fit_xlabel = "Pedal Width"
    golden_seeds = (0,)
    # One seed: every seed is the same run. Its first 100 steps keep the file small.
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "steps100": {"steps": 100, "log_every": 50}
    }


class Lasso(_Penalised):
    """``loss = mean(square(residual)) + 99 * heavyside_step(A)``, shape ``[1, 1]``."""

    name = "03-06-lasso"
    golden_tolerance_ulps: ClassVar[float] = 1.0
    golden_tolerance_reason: ClassVar[str] = (
        "measured on TF 2.12: A and the loss by at most 1 ulp against the 2.21 goldens (from "
        "step 66 on), because 2.12's Grappler (arithmetic optimizer with constant folding) "
        "regroups the gradient of multiply(-50, A - 0.9) and 2.21's does not; with Grappler off "
        "both releases agree on every bit; bit for bit on 2.20, 2.21 and nightly"
    )
    summary = "cookbook 03/06, lasso: L2 loss + 99 sigmoid(50 (A - 0.9)), seeds itself (13)"
    loss_title = "LASSO Loss per Generation"

    def fit_loss(self, tf: ModuleType, a: Any, residual: Callable[[], Any]) -> Any:
        # The same ops in TF1 and TF2 (truediv, add, exp, multiply, subtract), in this order:
        # tf.sigmoid would be the idiom, but its kernel rounds differently.
        lasso_param = tf.constant(0.9)
        heavyside_step = tf.truediv(
            1.0, tf.add(1.0, tf.exp(tf.multiply(-50.0, tf.subtract(a, lasso_param))))
        )
        regularization_param = tf.multiply(heavyside_step, 99.0)
        return tf.add(tf.reduce_mean(tf.square(residual())), regularization_param)


class Ridge(_Penalised):
    """``loss = expand_dims(mean(square(residual)) + 1 * mean(square(A)), 0)``, shape ``[1]``."""

    name = "03-06-ridge"
    summary = "cookbook 03/06, ridge: L2 loss + mean(A^2), loss of shape [1], seeds itself (13)"
    loss_title = "Ridge Loss per Generation"

    def fit_loss(self, tf: ModuleType, a: Any, residual: Callable[[], Any]) -> Any:
        ridge_param = tf.constant(1.0)
        ridge_loss = tf.reduce_mean(tf.square(a))
        return tf.expand_dims(
            tf.add(tf.reduce_mean(tf.square(residual())), tf.multiply(ridge_param, ridge_loss)), 0
        )
