# Recipe 02/07 (combining everything: setosa or not) transcribed TF1-style, seeds explicit.
# It is the oracle for the log of tf1repro's script 02-07: same seed, same printed lines.
#
#     python cookbook02_combining.py SEED
#
# What differs from the recipe: v1 compatibility imports, the graph seed and NumPy's seed set
# after reset_default_graph() (as `tf1repro legacy run --seed` does), and no plot.
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
flowers = load_iris()
is_setosa = np.array([1.0 if species == 0 else 0.0 for species in flowers.target])
petal = np.array([[row[2], row[3]] for row in flowers.data])
sess = tf.Session()
length_in = tf.placeholder(tf.float32, shape=[None, 1])
width_in = tf.placeholder(tf.float32, shape=[None, 1])
label_in = tf.placeholder(tf.float32, shape=[None, 1])
A = tf.Variable(tf.random_normal(shape=[1, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
line = tf.add(tf.matmul(width_in, A), b)
logits = tf.subtract(length_in, line)
xentropy = tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, labels=label_in)
train_op = tf.train.GradientDescentOptimizer(0.05).minimize(xentropy)
sess.run(tf.global_variables_initializer())
for step in range(1, 1001):
    picks = np.random.choice(len(petal), size=20)
    rows = petal[picks]
    feed = {
        length_in: np.array([[row[0]] for row in rows]),
        width_in: np.array([[row[1]] for row in rows]),
        label_in: np.array([[target] for target in is_setosa[picks]]),
    }
    sess.run(train_op, feed_dict=feed)
    if step % 200 == 0:
        print("Step #" + str(step) + " A = " + str(sess.run(A)) + ", b = " + str(sess.run(b)))
