# Recipe 02/08 (evaluating models) transcribed the way TF1 tutorials were written, seeds
# explicit. It is the oracle for the log of tf1repro's script 02-08: same seed, same lines.
#
#     python cookbook02_evaluating.py SEED
#
# What differs from the recipe: v1 compatibility imports, the graph seed and NumPy's seed set
# after each reset_default_graph() (as `tf1repro legacy run --seed` does), and no plot.
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


def split(n):
    # 80% for training; the test indices come out in the order the set difference yields.
    chosen = np.random.choice(n, round(n * 0.8), replace=False)
    rest = np.array(list(set(range(n)) - set(chosen)))
    return chosen, rest


# Part 1: regression, matmul(x, A) towards 10, batches of 25, MSE on both sets.
sess = fresh_session()
points = np.random.normal(1, 0.1, 100)
targets = np.repeat(10.0, 100)
x_in = tf.placeholder(tf.float32, shape=[None, 1])
y_in = tf.placeholder(tf.float32, shape=[None, 1])
train_rows, test_rows = split(len(points))
x_train, x_test = points[train_rows], points[test_rows]
y_train, y_test = targets[train_rows], targets[test_rows]
A = tf.Variable(tf.random_normal(shape=[1, 1]))
loss = tf.reduce_mean(tf.square(tf.matmul(x_in, A) - y_in))
train_op = tf.train.GradientDescentOptimizer(0.02).minimize(loss)
sess.run(tf.global_variables_initializer())
for step in range(1, 101):
    picks = np.random.choice(len(x_train), size=25)
    feed = {x_in: np.transpose([x_train[picks]]), y_in: np.transpose([y_train[picks]])}
    sess.run(train_op, feed_dict=feed)
    if step % 25 == 0:
        print("Step #" + str(step) + " A = " + str(sess.run(A)))
        print("Loss = " + str(sess.run(loss, feed_dict=feed)))
on_test = sess.run(loss, {x_in: np.transpose([x_test]), y_in: np.transpose([y_test])})
on_train = sess.run(loss, {x_in: np.transpose([x_train]), y_in: np.transpose([y_train])})
print("MSE on test:" + str(np.round(on_test, 2)))
print("MSE on train:" + str(np.round(on_train, 2)))

# Part 2: classification, sigmoid(x + A) between N(-1, 1) and N(2, 1), accuracy on both sets.
sess = fresh_session()
points = np.concatenate((np.random.normal(-1, 1, 50), np.random.normal(2, 1, 50)))
targets = np.concatenate((np.repeat(0.0, 50), np.repeat(1.0, 50)))
x_in = tf.placeholder(tf.float32, shape=[1, None])
y_in = tf.placeholder(tf.float32, shape=[1, None])
train_rows, test_rows = split(len(points))
x_train, x_test = points[train_rows], points[test_rows]
y_train, y_test = targets[train_rows], targets[test_rows]
A = tf.Variable(tf.random_normal(mean=10, shape=[1]))
output = tf.add(x_in, A)
xentropy = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=output, labels=y_in))
train_op = tf.train.GradientDescentOptimizer(0.05).minimize(xentropy)
sess.run(tf.global_variables_initializer())
for step in range(1, 1801):
    picks = np.random.choice(len(x_train), size=25)
    feed = {x_in: [x_train[picks]], y_in: [y_train[picks]]}
    sess.run(train_op, feed_dict=feed)
    if step % 200 == 0:
        print("Step #" + str(step) + " A = " + str(sess.run(A)))
        print("Loss = " + str(sess.run(xentropy, feed_dict=feed)))
guessed = tf.squeeze(tf.round(tf.nn.sigmoid(tf.add(x_in, A))))
accuracy = tf.reduce_mean(tf.cast(tf.equal(guessed, y_in), tf.float32))
acc_test = sess.run(accuracy, {x_in: [x_test], y_in: [y_test]})
acc_train = sess.run(accuracy, {x_in: [x_train], y_in: [y_train]})
print("Accuracy on train set: " + str(acc_train))
print("Accuracy on test set: " + str(acc_test))
