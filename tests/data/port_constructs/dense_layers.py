# A TF1 network of two tf.layers.dense layers, written for the tests of `tf1repro port`
# (tests/test_port_constructs.py).
import numpy as np
import tensorflow as tf

x_vals = np.random.normal(0, 1, (60, 4))
y_vals = np.sin(x_vals.sum(axis=1, keepdims=True))
x = tf.placeholder(tf.float32, [None, 4])
y = tf.placeholder(tf.float32, [None, 1])
hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)
output = tf.layers.dense(hidden, 1)
loss = tf.reduce_mean(tf.square(output - y))
train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(30):
    rows = np.random.choice(60, 10)
    sess.run(train, feed_dict={x: x_vals[rows], y: y_vals[rows]})
    if (i + 1) % 10 == 0:
        print(i + 1, sess.run(loss, feed_dict={x: x_vals, y: y_vals}))
