# The article's script, written the way TF1 tutorials were, with its seeds made explicit.
# It is the oracle for tf1repro's log: same seed, same printed lines, character for character.
#
#     python article_tf1.py SEED [BATCH_SIZE]
#
# The only changes from the article: v1 compatibility imports, the seeds at the top of each
# section (reset_default_graph() drops the graph seed, so it is set again after each reset), and
# no plot.
import sys

import numpy as np
import tensorflow.compat.v1 as tf
from tensorflow.python.framework import ops

tf.disable_v2_behavior()
SEED = int(sys.argv[1])
batch_size = int(sys.argv[2]) if len(sys.argv) > 2 else 20

# Stochastic training
ops.reset_default_graph()
tf.set_random_seed(SEED)
np.random.seed(SEED)
sess = tf.Session()
x_vals = np.random.normal(1, 0.1, 100)
y_vals = np.repeat(10.0, 100)
x_data = tf.placeholder(shape=[1], dtype=tf.float32)
y_target = tf.placeholder(shape=[1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[1]))
my_output = tf.multiply(x_data, A)
loss = tf.square(my_output - y_target)
init = tf.global_variables_initializer()
sess.run(init)
my_opt = tf.train.GradientDescentOptimizer(0.02)
train_step = my_opt.minimize(loss)
loss_stochastic = []
for i in range(100):
    rand_index = np.random.choice(100)
    rand_x = [x_vals[rand_index]]
    rand_y = [y_vals[rand_index]]
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    if (i + 1) % 5 == 0:
        print("Step #" + str(i + 1) + " A = " + str(sess.run(A)))
        temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
        print("Loss = " + str(temp_loss))
        loss_stochastic.append(temp_loss)

# Batch training
ops.reset_default_graph()
tf.set_random_seed(SEED)
np.random.seed(SEED)
sess = tf.Session()
x_vals = np.random.normal(1, 0.1, 100)
y_vals = np.repeat(10.0, 100)
x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[1, 1]))
my_output = tf.matmul(x_data, A)
loss = tf.reduce_mean(tf.square(my_output - y_target))
init = tf.global_variables_initializer()
sess.run(init)
my_opt = tf.train.GradientDescentOptimizer(0.02)
train_step = my_opt.minimize(loss)
loss_batch = []
for i in range(100):
    rand_index = np.random.choice(100, size=batch_size)
    rand_x = np.transpose([x_vals[rand_index]])
    rand_y = np.transpose([y_vals[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    if (i + 1) % 5 == 0:
        print("Step #" + str(i + 1) + " A = " + str(sess.run(A)))
        temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
        print("Loss = " + str(temp_loss))
        loss_batch.append(temp_loss)
