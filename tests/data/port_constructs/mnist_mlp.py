# A TF1 two-layer classifier of MNIST, written for the tests of `tf1repro port`
# (tests/test_port_mnist.py): it reads MNIST before it imports TensorFlow, keeps its variables
# in dicts, builds its layers in a function, and evaluates its accuracy with Tensor.eval.
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("data/", one_hot=True, validation_size=10)

import tensorflow as tf  # noqa: E402  (after the data, as the tutorials import it)

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
weights = {
    "hidden": tf.Variable(tf.random_normal([784, 16], stddev=0.05)),
    "out": tf.Variable(tf.random_normal([16, 10], stddev=0.05)),
}
biases = {
    "hidden": tf.Variable(tf.zeros([16])),
    "out": tf.Variable(tf.zeros([10])),
}


def model(images):
    hidden = tf.nn.relu(tf.add(tf.matmul(images, weights["hidden"]), biases["hidden"]))
    return tf.matmul(hidden, weights["out"]) + biases["out"]


pred = tf.nn.softmax(model(x))
cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred + 1e-9), reduction_indices=1))
train = tf.train.GradientDescentOptimizer(0.5).minimize(cost)
correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(3):
        for _ in range(mnist.train.num_examples // 10):
            batch_x, batch_y = mnist.train.next_batch(10)
            _, c = sess.run([train, cost], feed_dict={x: batch_x, y: batch_y})
        print("epoch", epoch + 1, "cost", c)
    print("accuracy", accuracy.eval({x: mnist.test.images, y: mnist.test.labels}))
