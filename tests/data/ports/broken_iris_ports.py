"""Ports of the iris scripts with a deliberate mistake each, beside the right ones they
subclass: ``compare --record`` must fail on them, naming the quantity and the step."""

from nn_iris_port import Network
from svm_iris_port import Svm

from tf1repro.tutorial import V2Port


class KerasAccuracy(Svm):
    """Keras' binary_accuracy for the script's sign-based accuracy: it thresholds at 0.5 and
    the labels are -1 and 1."""

    def accuracy(self, tf, output, y):
        return tf.reduce_mean(tf.keras.metrics.binary_accuracy(y, tf.sign(output)))


class RootOfTestLoss(Network):
    """The test loss as the script plots it, the root of the loss, where the script fetched
    the loss itself."""

    def port_v2(self, tf, initial):
        made = super().port_v2(tf, initial)

        def evaluate(feeds):
            return {"loss": tf.sqrt(made.forward(feeds)["loss"])}

        return V2Port(made.variables, made.forward, made.optimizer, evaluate=evaluate)
