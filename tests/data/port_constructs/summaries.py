# A TF1 script that writes TensorBoard summaries of its loss and weight while it trains,
# written for the tests of `tf1repro port` (tests/test_port_summaries.py).

import numpy as np
import tensorflow as tf

x_vals = np.random.uniform(-1, 1, 40)
y_vals = 2.0 * x_vals + 1.0 + np.random.normal(0, 0.1, 40)
x = tf.placeholder(tf.float32, [None])
y = tf.placeholder(tf.float32, [None])
w = tf.Variable(tf.random_normal([3]), name="w")
b = tf.Variable(tf.zeros([]), name="b")
output = tf.reduce_sum(w) * x + b
loss = tf.reduce_mean(tf.square(output - y))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
# What TensorBoard shows: the loss, the weights and the residuals, at every step
tf.summary.scalar("loss", loss)
tf.summary.histogram("w", w)
tf.summary.histogram("residuals", output - y)
merged = tf.summary.merge_all()
sess = tf.Session()
writer = tf.summary.FileWriter("logs", sess.graph)
sess.run(tf.global_variables_initializer())
for epoch in range(3):
    for i in range(5):
        rows = np.random.choice(40, 8)
        feed = {x: x_vals[rows], y: y_vals[rows]}
        _, cost, summary = sess.run([train, loss, merged], feed_dict=feed)
        # Written at the step's number
        writer.add_summary(summary, epoch * 5 + i)
    print(epoch, cost)
writer.close()
