# Cookbook recipe 03/07 (elastic net regression), written as a TF1 script with the seeds of
# `tf1repro legacy run --seed SEED` made explicit. The oracle for the 03-07 log.
#
#     python cookbook03_elastic_net.py SEED
#
# The recipe seeds itself with 13 before making its placeholders, which overrides SEED.
# Changes: v1 compatibility imports, the legacy seeds, no plot.
import sys

import numpy as np
import tensorflow.compat.v1 as tf
from sklearn.datasets import load_iris
from tensorflow.python.framework import ops

tf.disable_v2_behavior()
SEED = int(sys.argv[1])

ops.reset_default_graph()
tf.set_random_seed(SEED)
np.random.seed(SEED)
session = tf.Session()
measurements = load_iris().data
features = np.array([[row[1], row[2], row[3]] for row in measurements])
sepal_length = np.array([row[0] for row in measurements])

np.random.seed(13)
tf.set_random_seed(13)
x = tf.placeholder(shape=[None, 3], dtype=tf.float32)
y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[3, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
prediction = tf.add(tf.matmul(x, A), b)
weight_l1 = tf.constant(1.0)
weight_l2 = tf.constant(1.0)
mean_abs = tf.reduce_mean(tf.abs(A))
mean_square = tf.reduce_mean(tf.square(A))
l1_term = tf.multiply(weight_l1, mean_abs)
l2_term = tf.multiply(weight_l2, mean_square)
loss = tf.expand_dims(
    tf.add(tf.add(tf.reduce_mean(tf.square(y - prediction)), l1_term), l2_term), 0
)
train = tf.train.GradientDescentOptimizer(0.001).minimize(loss)
session.run(tf.global_variables_initializer())

for step in range(1, 1001):
    rows = np.random.choice(len(features), size=50)
    feed = {x: features[rows], y: np.transpose([sepal_length[rows]])}
    session.run(train, feed_dict=feed)
    batch_loss = session.run(loss, feed_dict=feed)
    if step % 250 == 0:
        print("Step #" + str(step) + " A = " + str(session.run(A)) + " b = " + str(session.run(b)))
        print("Loss = " + str(batch_loss))
