# Cookbook recipe 03/03 (linear regression the TensorFlow way), written as a TF1 script with
# the seeds of `tf1repro legacy run --seed SEED` made explicit. The oracle for the 03-03 log.
#
#     python cookbook03_lin_reg.py SEED
#
# Changes from the recipe: v1 compatibility imports, the seeds after reset_default_graph()
# (graph seed and NumPy, as the legacy runner sets them), no plots.
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
petal_width = np.array([row[3] for row in measurements])
sepal_length = np.array([row[0] for row in measurements])

x = tf.placeholder(shape=[None, 1], dtype=tf.float32)
y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[1, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
prediction = tf.add(tf.matmul(x, A), b)
loss = tf.reduce_mean(tf.square(y - prediction))
train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
session.run(tf.global_variables_initializer())

for step in range(1, 101):
    rows = np.random.choice(len(petal_width), size=25)
    feed = {x: np.transpose([petal_width[rows]]), y: np.transpose([sepal_length[rows]])}
    session.run(train, feed_dict=feed)
    batch_loss = session.run(loss, feed_dict=feed)
    if step % 25 == 0:
        print("Step #" + str(step) + " A = " + str(session.run(A)) + " b = " + str(session.run(b)))
        print("Loss = " + str(batch_loss))
