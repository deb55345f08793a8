"""The TF2 port of tests/data/scripts/svm_iris.py, checked against its recording: the loss, and
the accuracy the script evaluates after every step on the training and the test set."""

from typing import ClassVar

from tf1repro.recording.port import Port
from tf1repro.tutorial import V2Port


class Svm(Port):
    names: ClassVar = {
        "Placeholder": "x",
        "Placeholder_1": "y",
        "Variable": "A",
        "Variable_1": "b",
        "Add": "loss",
        "Mean_1": "accuracy",
    }

    def accuracy(self, tf, output, y):
        return tf.reduce_mean(tf.cast(tf.equal(tf.sign(output), y), tf.float32))

    def port_v2(self, tf, initial):
        a = tf.Variable(initial["A"])
        b = tf.Variable(initial["b"])

        def forward(feeds):
            output = tf.matmul(feeds["x"], a) - b
            hinge = tf.reduce_mean(tf.maximum(0.0, 1.0 - output * feeds["y"]))
            return {"loss": hinge + tf.constant([0.01]) * tf.reduce_sum(tf.square(a))}

        def evaluate(feeds):
            output = tf.matmul(feeds["x"], a) - b
            return {"accuracy": self.accuracy(tf, output, feeds["y"])}

        return V2Port({"A": a, "b": b}, forward, tf.keras.optimizers.SGD(0.01), evaluate=evaluate)
