"""The TF2 port of tests/data/scripts/nn_iris.py, checked against its recording: the loss after
every step, and the same loss on the test set, which the script evaluates after every step."""

from typing import ClassVar

from tf1repro.recording.port import Port
from tf1repro.tutorial import V2Port


class Network(Port):
    names: ClassVar = {
        "Placeholder": "x",
        "Placeholder_1": "y",
        "Variable": "A1",
        "Variable_1": "b1",
        "Variable_2": "A2",
        "Variable_3": "b2",
        "Mean": "loss",
    }

    def mse(self, tf, y, output):
        return tf.reduce_mean(tf.square(y - output))

    def port_v2(self, tf, initial):
        variables = {name: tf.Variable(initial[name]) for name in ("A1", "b1", "A2", "b2")}

        def forward(feeds):
            v = variables
            hidden = tf.nn.relu(tf.matmul(feeds["x"], v["A1"]) + v["b1"])
            output = tf.nn.relu(tf.matmul(hidden, v["A2"]) + v["b2"])
            return {"loss": self.mse(tf, feeds["y"], output)}

        return V2Port(variables, forward, tf.keras.optimizers.SGD(0.005))
