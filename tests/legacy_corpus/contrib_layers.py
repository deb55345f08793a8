# A two-layer network built with tf.contrib.layers, as many TF 1.x tutorials did.
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 4])
initializer = tf.contrib.layers.xavier_initializer()
W1 = tf.Variable(initializer([4, 8]))
hidden = tf.nn.relu(tf.matmul(x, W1))
output = tf.layers.dense(hidden, 1)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run(output, feed_dict={x: np.ones((2, 4))}))
