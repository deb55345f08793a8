# Cookbook recipe 03/04 (L1 versus L2 loss), written as a TF1 script with the seeds of
# `tf1repro legacy run --seed SEED` made explicit. The oracle for the 03-04 log.
#
#     python cookbook03_l1_vs_l2.py SEED
#
# Changes from the recipe: v1 compatibility imports, the seeds after each
# reset_default_graph() (the legacy runner reseeds NumPy there too), no plot.
import sys

import numpy as np
import tensorflow.compat.v1 as tf
from sklearn.datasets import load_iris
from tensorflow.python.framework import ops

tf.disable_v2_behavior()
SEED = int(sys.argv[1])
measurements = load_iris().data
petal_width = np.array([row[3] for row in measurements])
sepal_length = np.array([row[0] for row in measurements])

for residual_loss in (tf.abs, tf.square):
    ops.reset_default_graph()
    tf.set_random_seed(SEED)
    np.random.seed(SEED)
    session = tf.Session()
    x = tf.placeholder(shape=[None, 1], dtype=tf.float32)
    y = tf.placeholder(shape=[None, 1], dtype=tf.float32)
    A = tf.Variable(tf.random_normal(shape=[1, 1]))
    b = tf.Variable(tf.random_normal(shape=[1, 1]))
    prediction = tf.add(tf.matmul(x, A), b)
    loss = tf.reduce_mean(residual_loss(y - prediction))
    train = tf.train.GradientDescentOptimizer(0.4).minimize(loss)
    session.run(tf.global_variables_initializer())
    for step in range(1, 51):
        rows = np.random.choice(len(petal_width), size=25)
        feed = {x: np.transpose([petal_width[rows]]), y: np.transpose([sepal_length[rows]])}
        session.run(train, feed_dict=feed)
        session.run(loss, feed_dict=feed)
        if step % 25 == 0:
            print(
                "Step #" + str(step) + " A = " + str(session.run(A)) + " b = " + str(session.run(b))
            )
