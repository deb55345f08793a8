"""Recipe 03/07, elastic net regression: three features, both an L1 and an L2 penalty on ``A``.

Sepal length against sepal width, petal length and petal width (``A`` of shape ``[3, 1]``),
``loss = expand_dims(mse + 1 * mean(abs(A)) + 1 * mean(square(A)), 0)``, batches of 50,
``GradientDescentOptimizer(0.001)`` for 1000 steps, printed every 250. The original seeds
itself with 13 before making its placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.tutorial import Arrays, V1Graph, V2Port
from tf1repro.tutorials.cookbook03.common import IrisRegression, RegressionConfig

SEED = 13
SEPAL_WIDTH, PETAL_LENGTH, PETAL_WIDTH = 1, 2, 3


@dataclass(frozen=True)
class ElasticNetConfig(RegressionConfig):
    steps: int = param(1000, Int(1, MAX_STEPS), "optimizer steps (the original's range(N))")
    learning_rate: float = param(0.001, Float(positive=True), "GradientDescentOptimizer's rate")
    batch_size: int = param(50, Int(1, 1_000_000), "rows drawn (with replacement) per step")
    log_every: int = param(250, Int(1, MAX_STEPS), "print A, b and the loss every N steps")


class ElasticNet(IrisRegression[ElasticNetConfig]):
    """The L2 fit of three features plus ``mean(abs(A))`` and ``mean(square(A))``."""

    name = "03-07"
    summary = "cookbook 03/07: elastic net on iris, A [3, 1], L1 + L2 penalty, seeds itself (13)"
    own_seed = SEED
    x_columns = (SEPAL_WIDTH, PETAL_LENGTH, PETAL_WIDTH)
    loss_title = "Loss per Generation"
    loss_label = "Loss"
    golden_seeds = (0,)
    # One seed: every seed is the same run. Its first 50 steps keep the file small.
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "steps50": {"steps": 50, "log_every": 25}
    }

    def build_v1(self, tf: ModuleType, config: ElasticNetConfig) -> V1Graph:
        tf.set_random_seed(SEED)
        x_data = tf.placeholder(shape=[None, 3], dtype=tf.float32)
        y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=[3, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        model_output = tf.add(tf.matmul(x_data, a), b)
        elastic_param1 = tf.constant(1.0)
        elastic_param2 = tf.constant(1.0)
        l1_a_loss = tf.reduce_mean(tf.abs(a))
        l2_a_loss = tf.reduce_mean(tf.square(a))
        e1_term = tf.multiply(elastic_param1, l1_a_loss)
        e2_term = tf.multiply(elastic_param2, l2_a_loss)
        mse = tf.reduce_mean(tf.square(y_target - model_output))
        loss = tf.expand_dims(tf.add(tf.add(mse, e1_term), e2_term), 0)
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph({"x": x_data, "y": y_target}, {"A": a, "b": b}, {"loss": loss}, train_step)

    def port_v2(self, tf: ModuleType, config: ElasticNetConfig, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")
        b = tf.Variable(initial["b"], name="b")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            # Grappler sorts the inputs of a sum of several terms by node name before it runs,
            # in the session's graph and in the traced function alike, so the names decide the
            # rounding. The loss adds three scalars: the mean squared error must be the first
            # "Mean" made (the graph's order, mse + l1 + l2, sorts as Mean_2, Mul, Mul_1; here
            # the multiplications by 1 are folded away and the Means sort among themselves).
            # A's gradient adds three contributions (MatMul, Abs, Square): tf.matmul names its
            # op "MatMul", which sorts like the graph's; `@` names it "matmul", which sorts after
            # the Square gradient's "Mul". Written otherwise, the loss and A's gradient came out
            # 0.25 to 1 ulp off at the first step.
            model_output = tf.matmul(feeds["x"], a) + b
            mse = tf.reduce_mean(tf.square(feeds["y"] - model_output))
            l1_penalty = 1.0 * tf.reduce_mean(tf.abs(a))
            l2_penalty = 1.0 * tf.reduce_mean(tf.square(a))
            # The original's loss has shape [1]: expand_dims of the scalar sum.
            return {"loss": tf.expand_dims(mse + l1_penalty + l2_penalty, 0)}

        return V2Port({"A": a, "b": b}, forward, tf.keras.optimizers.SGD(config.learning_rate))
