# A TF 0.x tutorial: the loss takes (logits, labels) positionally. TF 1.0 changed the order to
# labels first and made keywords mandatory, so this line fails there; TF 2's compat.v1 would
# silently read `pred` as the labels.
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 3])
y = tf.placeholder(tf.float32, [None, 2])
W = tf.Variable(tf.zeros([3, 2]))
pred = tf.matmul(x, W)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(pred, y))
optimizer = tf.train.GradientDescentOptimizer(0.5).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    batch_x = np.ones((4, 3))
    batch_y = np.tile([1.0, 0.0], (4, 1))
    print("cost", sess.run(cost, feed_dict={x: batch_x, y: batch_y}))
