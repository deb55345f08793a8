# Recipe 02/05 (back propagation) transcribed the way TF1 tutorials were written, seeds explicit.
# It is the oracle for the log of tf1repro's script 02-05: same seed, same printed lines.
#
#     python cookbook02_back_propagation.py SEED
#
# What differs from the recipe: v1 compatibility imports, and after each reset_default_graph()
# the graph seed and NumPy's seed are set (as `tf1repro legacy run --seed` does for the recipe).
import sys

import numpy as np
import tensorflow.compat.v1 as tf
from tensorflow.python.framework import ops

tf.disable_v2_behavior()
SEED = int(sys.argv[1])


def fresh_session():
    ops.reset_default_graph()
    tf.set_random_seed(SEED)
    np.random.seed(SEED)
    return tf.Session()


# Part 1: regression, x * A towards 10, one point a step.
sess = fresh_session()
points = np.random.normal(1, 0.1, 100)
targets = np.repeat(10.0, 100)
x_in = tf.placeholder(tf.float32, shape=[1])
y_in = tf.placeholder(tf.float32, shape=[1])
A = tf.Variable(tf.random_normal(shape=[1]))
loss = tf.square(tf.multiply(x_in, A) - y_in)
train_op = tf.train.GradientDescentOptimizer(0.02).minimize(loss)
sess.run(tf.global_variables_initializer())
for step in range(1, 101):
    pick = np.random.choice(100)
    feed = {x_in: [points[pick]], y_in: [targets[pick]]}
    sess.run(train_op, feed_dict=feed)
    if step % 25 == 0:
        print("Step #" + str(step) + " A = " + str(sess.run(A)))
        print("Loss = " + str(sess.run(loss, feed_dict=feed)))

# Part 2: classification, sigmoid(x + A) between N(-1, 1) and N(3, 1).
sess = fresh_session()
points = np.concatenate((np.random.normal(-1, 1, 50), np.random.normal(3, 1, 50)))
targets = np.concatenate((np.repeat(0.0, 50), np.repeat(1.0, 50)))
x_in = tf.placeholder(tf.float32, shape=[1])
y_in = tf.placeholder(tf.float32, shape=[1])
A = tf.Variable(tf.random_normal(mean=10, shape=[1]))
output = tf.add(x_in, A)
logits = tf.expand_dims(output, 0)
labels = tf.expand_dims(y_in, 0)
sess.run(tf.global_variables_initializer())
xentropy = tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, labels=labels)
train_op = tf.train.GradientDescentOptimizer(0.05).minimize(xentropy)
for step in range(1, 1401):
    pick = np.random.choice(100)
    feed = {x_in: [points[pick]], y_in: [targets[pick]]}
    sess.run(train_op, feed_dict=feed)
    if step % 200 == 0:
        print("Step #" + str(step) + " A = " + str(sess.run(A)))
        print("Loss = " + str(sess.run(xentropy, feed_dict=feed)))
# One point at a time, growing the graph in every iteration as TF1 tutorials did.
guesses = []
for point in points:
    guess = sess.run(tf.round(tf.sigmoid(output)), feed_dict={x_in: [point]})
    guesses.append(guess[0])
right = sum(guess == target for guess, target in zip(guesses, targets, strict=True))
print("Ending Accuracy = " + str(np.round(right / 100.0, 2)))
