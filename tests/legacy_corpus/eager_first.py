# The TF 1.x eager tutorials start by switching eager execution on, before anything else, and
# use tf.contrib.eager's names (tfe.Variable, tfe.Iterator, tfe.implicit_gradients).
import tensorflow as tf
import tensorflow.contrib.eager as tfe

tf.enable_eager_execution()
print("eager", tf.executing_eagerly())
print("draw", tf.random_normal([2]).numpy())

W = tfe.Variable(0.5)
data = tf.data.Dataset.from_tensor_slices(([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])).batch(3)
x, y = tfe.Iterator(data).next()


def loss(inputs, targets):
    return tf.reduce_mean(tf.square(inputs * W - targets))


grad = tfe.implicit_gradients(loss)
((gradient, variable),) = grad(x, y)
# d/dW mean((W x - y)^2) = mean(2 x (W x - y)) = (-3 - 12 - 27) / 3 = -14 at W = 0.5.
print("gradient", round(float(gradient.numpy()), 4), variable is W)
