# A TF1 script that saves and restores its variables and opens a TensorBoard writer, written
# for the tests of `tf1repro port` (tests/test_port_constructs.py).

import numpy as np
import tensorflow as tf

x_vals = np.random.uniform(-1, 1, 40)
y_vals = 2.0 * x_vals + 1.0 + np.random.normal(0, 0.1, 40)
x = tf.placeholder(tf.float32, [None])
y = tf.placeholder(tf.float32, [None])
w = tf.Variable(tf.random_normal([]), name="w")
b = tf.Variable(tf.zeros([]), name="b")
loss = tf.reduce_mean(tf.square(x * w + b - y))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
saver = tf.train.Saver(max_to_keep=3)
sess = tf.Session()
# The graph for TensorBoard's Graphs tab
writer = tf.summary.FileWriter("logs", sess.graph)
merged = tf.summary.merge_all()
sess.run(tf.global_variables_initializer())
for i in range(20):
    rows = np.random.choice(40, 8)
    sess.run(train, feed_dict={x: x_vals[rows], y: y_vals[rows]})
    if (i + 1) % 10 == 0:
        path = saver.save(sess, "model.ckpt", global_step=i + 1)
        print(i + 1, path, sess.run([w, b]))
saver.restore(sess, "model.ckpt-10")
print("restored", sess.run(w), sess.run(b))
writer.close()
