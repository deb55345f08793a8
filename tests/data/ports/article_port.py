"""The article's two trainers ported to TF2, checked against the unmodified script's recording."""

from typing import ClassVar

from tf1repro.recording.port import Port
from tf1repro.tutorial import V2Port

NAMES = {"Placeholder": "x", "Placeholder_1": "y", "Variable": "A"}


class Stochastic(Port):
    recording = 1
    names: ClassVar = {**NAMES, "Square": "loss"}

    def port_v2(self, tf, initial):
        a = tf.Variable(initial["A"])

        def forward(feeds):
            return {"loss": tf.square(feeds["x"] * a - feeds["y"])}

        return V2Port({"A": a}, forward, tf.compat.v1.train.GradientDescentOptimizer(0.02))


class Batch(Port):
    recording = 2
    names: ClassVar = {**NAMES, "Mean": "loss"}

    def port_v2(self, tf, initial):
        a = tf.Variable(initial["A"])

        def forward(feeds):
            return {"loss": tf.reduce_mean(tf.square(tf.matmul(feeds["x"], a) - feeds["y"]))}

        return V2Port({"A": a}, forward, tf.compat.v1.train.GradientDescentOptimizer(0.02))
