# A static LSTM over MNIST-like rows, the TF 1.x way: tf.contrib.rnn cells and static_rnn,
# tf.contrib.layers.flatten, tf.layers.dense, and the input_data helper (MNIST files given with
# --data-dir: the tests write small ones).
import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, validation_size=10)
x = tf.placeholder(tf.float32, [None, 28, 28])
y = tf.placeholder(tf.float32, [None, 10])
rows = tf.unstack(x, 28, 1)
cell = rnn.BasicLSTMCell(8, forget_bias=1.0)
outputs, _ = rnn.static_rnn(cell, rows, dtype=tf.float32)
features = tf.contrib.layers.flatten(tf.stack(outputs[-2:], axis=1))
logits = tf.layers.dense(features, 10)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(3):
        images, labels = mnist.train.next_batch(4)
        _, value = sess.run([train, loss], {x: images.reshape(-1, 28, 28), y: labels})
        print("step", step, "loss", np.round(value, 4) > 0)
    print("examples", mnist.train.num_examples, mnist.validation.num_examples)
