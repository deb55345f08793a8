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
from tf1repro.tutorial import Arrays, V1Graph, V2Port
from tf1repro.tutorials.cookbook03.common import IrisRegression, RegressionConfig

SEED = 13


@dataclass(frozen=True)
class PenaltyConfig(RegressionConfig):
    steps: int = param(1500, Int(1, MAX_STEPS), "optimizer steps (the original's range(N))")
    learning_rate: float = param(0.001, Float(positive=True), "GradientDescentOptimizer's rate")
    batch_size: int = param(50, Int(1, 1_000_000), "rows drawn (with replacement) per step")
    log_every: int = param(300, Int(1, MAX_STEPS), "print A, b and the loss every N steps")


class _Penalised(IrisRegression[PenaltyConfig]):
    own_seed = SEED
    blank_lines = 2
    loss_label = "Loss"
    fit_title = "Sepal Length vs Pedal Width"
    fit_xlabel = "Pedal Width"
    golden_seeds = (0,)
    # One seed: every seed is the same run. Its first 100 steps keep the file small.
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "steps100": {"steps": 100, "log_every": 50}
    }

    def penalised_loss(self, tf: ModuleType, a: Any, residual: Callable[[], Any]) -> Any:
        """The loss the original minimises, from the slope and ``residual()``, which makes
        ``y - model_output`` where the original does (after the penalty's ops)."""
        raise NotImplementedError

    def build_v1(self, tf: ModuleType, config: PenaltyConfig) -> V1Graph:
        x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        # The original's seeds come after its placeholders (np.random.seed is in data()).
        tf.set_random_seed(SEED)
        a = tf.Variable(tf.random_normal(shape=[1, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        model_output = tf.add(tf.matmul(x_data, a), b)
        loss = self.penalised_loss(tf, a, lambda: y_target - model_output)
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph({"x": x_data, "y": y_target}, {"A": a, "b": b}, {"loss": loss}, train_step)

    def port_v2(self, tf: ModuleType, config: PenaltyConfig, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")
        b = tf.Variable(initial["b"], name="b")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return {"loss": self.penalised_loss(tf, a, lambda: feeds["y"] - (feeds["x"] @ a + b))}

        return V2Port({"A": a, "b": b}, forward, tf.keras.optimizers.SGD(config.learning_rate))


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

    def penalised_loss(self, tf: ModuleType, a: Any, residual: Callable[[], Any]) -> Any:
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

    def penalised_loss(self, tf: ModuleType, a: Any, residual: Callable[[], Any]) -> Any:
        ridge_param = tf.constant(1.0)
        ridge_loss = tf.reduce_mean(tf.square(a))
        return tf.expand_dims(
            tf.add(tf.reduce_mean(tf.square(residual())), tf.multiply(ridge_param, ridge_loss)), 0
        )
