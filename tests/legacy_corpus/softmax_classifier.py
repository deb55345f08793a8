# Softmax classifier on two Gaussian blobs, with the loss called the TF >= 1.0 way (keywords),
# Adam, tf.argmax accuracy, and the `tensorflow.compat.v1` / `from tensorflow import` imports.
import numpy as np
import tensorflow.compat.v1 as tf
from tensorflow import nn

points = np.vstack([np.random.normal(-1.0, 0.5, (100, 2)), np.random.normal(1.0, 0.5, (100, 2))])
labels = np.zeros((200, 2))
labels[:100, 0] = 1.0
labels[100:, 1] = 1.0

x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.float32, [None, 2])
W = tf.Variable(tf.truncated_normal([2, 2], stddev=0.1))
b = tf.Variable(tf.zeros([2]))
logits = tf.matmul(x, W) + b
cross_entropy = tf.reduce_mean(nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_step = tf.train.AdamOptimizer(0.05).minimize(cross_entropy)
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

sess = tf.Session()
sess.run(tf.global_variables_initializer())
for step in range(50):
    sess.run(train_step, feed_dict={x: points, y: labels})
    if (step + 1) % 25 == 0:
        print("step", step + 1, "loss", sess.run(cross_entropy, feed_dict={x: points, y: labels}))
print("accuracy", sess.run(accuracy, feed_dict={x: points, y: labels}))
sess.close()
