# Cookbook recipe 03/05 (Deming regression), written as a TF1 script with the seeds of
# `tf1repro legacy run --seed SEED` made explicit. The oracle for the 03-05 log.
#
#     python cookbook03_deming.py SEED
#
# The recipe seeds itself with 42 right after reset_default_graph(), which overrides SEED:
# every seed prints the same log. Changes: v1 compatibility imports, the legacy seeds, no plots.
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
tf.set_random_seed(42)
np.random.seed(42)
session = tf.Session()
measurements = load_iris().data
petal_width = np.array([row[3] for row in measurements])
sepal_length = np.array([row[0] for row in measurements])

x = tf.placeholder(shape=[None, 1], dtype=tf.float32)
y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[1, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
unused_prediction = tf.add(tf.matmul(x, A), b)
distance = tf.abs(tf.subtract(y, tf.add(tf.matmul(x, A), b)))
scale = tf.sqrt(tf.add(tf.square(A), 1))
loss = tf.reduce_mean(tf.truediv(distance, scale))
train = tf.train.GradientDescentOptimizer(0.15).minimize(loss)
session.run(tf.global_variables_initializer())

for step in range(1, 1001):
    rows = np.random.choice(len(petal_width), size=50)
    feed = {x: np.transpose([petal_width[rows]]), y: np.transpose([sepal_length[rows]])}
    session.run(train, feed_dict=feed)
    batch_loss = session.run(loss, feed_dict=feed)
    if step % 50 == 0:
        print("Step #" + str(step) + " A = " + str(session.run(A)) + " b = " + str(session.run(b)))
        print("Loss = " + str(batch_loss))
