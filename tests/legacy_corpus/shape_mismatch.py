# Feeding arrays of different lengths into an elementwise add: TensorFlow's error names the cause
# deep inside a long message.
import tensorflow as tf

a = tf.placeholder(tf.float32, [None])
b = tf.placeholder(tf.float32, [None])
total = a + b
with tf.Session() as sess:
    print(sess.run(total, feed_dict={a: [1.0, 2.0], b: [1.0, 2.0, 3.0]}))
