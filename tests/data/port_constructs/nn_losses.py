# A TF1 softmax classifier trained on tf.nn losses and an L2 penalty, written for the tests of
# `tf1repro port` (tests/test_port_constructs.py).
import numpy as np
import tensorflow as tf

x_vals = np.random.normal(0, 1, (90, 3))
labels = np.argmax(x_vals @ np.random.normal(0, 1, (3, 3)), axis=1)
y_vals = np.eye(3)[labels]
x = tf.placeholder(tf.float32, [None, 3])
y = tf.placeholder(tf.float32, [None, 3])
y_index = tf.placeholder(tf.int32, [None])
W = tf.Variable(tf.truncated_normal([3, 3], stddev=0.1))
b = tf.Variable(tf.zeros([3]))
logits = tf.matmul(x, W) + b
xent = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
sparse = tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_index, logits=logits)
)
loss = xent + sparse + 0.01 * tf.nn.l2_loss(W)
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(30):
    rows = np.random.choice(90, 15)
    feed = {x: x_vals[rows], y: y_vals[rows], y_index: labels[rows]}
    sess.run(train, feed_dict=feed)
    if (i + 1) % 10 == 0:
        print(i + 1, sess.run(loss, feed_dict=feed))
