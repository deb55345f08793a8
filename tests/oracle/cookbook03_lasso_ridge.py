# Cookbook recipe 03/06 (lasso and ridge regression), written as a TF1 script with the seeds
# of `tf1repro legacy run --seed SEED` made explicit. The oracle for 03-06-lasso and -ridge.
#
#     python cookbook03_lasso_ridge.py SEED lasso|ridge
#
# The recipe picks its penalty by a variable; here by the second argument. It seeds itself
# with 13 after making its placeholders, which overrides SEED. Changes: v1 compatibility
# imports, the legacy seeds, no plots.
import sys

import numpy as np
import tensorflow.compat.v1 as tf
from sklearn.datasets import load_iris
from tensorflow.python.framework import ops

tf.disable_v2_behavior()
SEED = int(sys.argv[1])
PENALTY = sys.argv[2]

ops.reset_default_graph()
tf.set_random_seed(SEED)
np.random.seed(SEED)
session = tf.Session()
measurements = load_iris().data
petal_width = np.array([row[3] for row in measurements])
sepal_length = np.array([row[0] for row in measurements])

x = tf.placeholder(shape=[None, 1], dtype=tf.float32)
y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
np.random.seed(13)
tf.set_random_seed(13)
A = tf.Variable(tf.random_normal(shape=[1, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
prediction = tf.add(tf.matmul(x, A), b)
if PENALTY == "lasso":
    threshold = tf.constant(0.9)
    step_up = tf.truediv(1.0, tf.add(1.0, tf.exp(tf.multiply(-50.0, tf.subtract(A, threshold)))))
    penalty = tf.multiply(step_up, 99.0)
    loss = tf.add(tf.reduce_mean(tf.square(y - prediction)), penalty)
else:
    weight = tf.constant(1.0)
    slope_size = tf.reduce_mean(tf.square(A))
    loss = tf.expand_dims(
        tf.add(tf.reduce_mean(tf.square(y - prediction)), tf.multiply(weight, slope_size)), 0
    )
train = tf.train.GradientDescentOptimizer(0.001).minimize(loss)
session.run(tf.global_variables_initializer())

for step in range(1, 1501):
    rows = np.random.choice(len(petal_width), size=50)
    feed = {x: np.transpose([petal_width[rows]]), y: np.transpose([sepal_length[rows]])}
    session.run(train, feed_dict=feed)
    batch_loss = session.run(loss, feed_dict=feed)
    if step % 300 == 0:
        print("Step #" + str(step) + " A = " + str(session.run(A)) + " b = " + str(session.run(b)))
        print("Loss = " + str(batch_loss))
        print("\n")
