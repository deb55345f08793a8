"""What chapter 2's recipes 02/05 and 02/08 share: 100 points, and the classification of two
classes of them by ``sigmoid(x + A)``."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from tf1repro.tutorial import Arrays, Tutorial, V1Graph, V2Port
from tf1repro.tutorials.output import RatedConfig

POINTS = 100
"""Every part draws 100 points."""


def two_classes(
    rng: np.random.RandomState, second_mean: float
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The classifications' data: 50 points ``N(-1, 1)`` labelled 0, then 50 points
    ``N(second_mean, 1)`` labelled 1, as ``x_vals`` and ``y_vals``."""
    half = POINTS // 2
    x_vals = np.concatenate((rng.normal(-1, 1, half), rng.normal(second_mean, 1, half)))
    y_vals = np.concatenate((np.repeat(0.0, half), np.repeat(1.0, half)))
    return x_vals, y_vals


ClassifierConfigT = TypeVar("ClassifierConfigT", bound=RatedConfig)


class SigmoidClassifier(Tutorial[ClassifierConfigT]):
    """The classifications of 02/05 and 02/08: ``x + A`` (``A ~ N(10, 1)`` of shape ``[1]``) is
    the logit of label 1, and ``GradientDescentOptimizer`` minimises the cross-entropy
    ``xentropy``; they differ in the placeholders' shape, how the loss reduces the batch and
    what they evaluate. Every op is made in the original's order, in the graph and its port.
    """

    x_shape: ClassVar[list[int | None]]
    """The shape of the placeholders ``x`` and ``y``."""

    def xentropy(self, tf: ModuleType, logits: Any, labels: Any) -> Any:
        """The loss of the logits ``x + A`` and the labels, in TF ops (the graph's and the
        port's)."""
        raise NotImplementedError

    def evaluations_v1(
        self, tf: ModuleType, x_data: Any, y_target: Any, a: Any, logits: Any
    ) -> dict[str, Any]:
        """The graph's evaluations, made after its training op, as the original makes them."""
        raise NotImplementedError

    def evaluate_v2(self, tf: ModuleType, feeds: Mapping[str, Any], a: Any) -> dict[str, Any]:
        """The port's evaluations of ``feeds``."""
        raise NotImplementedError

    def build_v1(self, tf: ModuleType, config: ClassifierConfigT) -> V1Graph:
        x_data = tf.placeholder(shape=self.x_shape, dtype=tf.float32)
        y_target = tf.placeholder(shape=self.x_shape, dtype=tf.float32)
        a = tf.Variable(tf.random_normal(mean=10, shape=[1]))
        my_output = tf.add(x_data, a)
        xentropy = self.xentropy(tf, my_output, y_target)
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(xentropy)
        return V1Graph(
            placeholders={"x": x_data, "y": y_target},
            variables={"A": a},
            fetches={"xentropy": xentropy},
            train=train_step,
            evaluations=self.evaluations_v1(tf, x_data, y_target, a, my_output),
        )

    def port_v2(self, tf: ModuleType, config: ClassifierConfigT, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return {"xentropy": self.xentropy(tf, feeds["x"] + a, feeds["y"])}

        def evaluate(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return self.evaluate_v2(tf, feeds, a)

        optimizer = tf.keras.optimizers.SGD(config.learning_rate)
        return V2Port({"A": a}, forward, optimizer, loss="xentropy", evaluate=evaluate)
