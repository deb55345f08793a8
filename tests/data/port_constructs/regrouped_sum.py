# A TF1 gate `a * x + b` trained towards a constant, written for the tests of `tf1repro port`
# (tests/test_port_constructs.py). Grappler rewrites `(a * x + b) - 50.0` as a sum whose terms
# it picks by node name, and TF2 names the read of `b` otherwise: the loss is 3 ulps away.
import tensorflow as tf

a = tf.Variable(tf.constant(1.0))
b = tf.Variable(tf.constant(1.0))
x = tf.placeholder(tf.float32)
output = tf.add(tf.multiply(a, x), b)
loss = tf.square(tf.subtract(output, 50.0))
train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for _ in range(10):
    sess.run(train, feed_dict={x: 5.0})
    print(sess.run(output, feed_dict={x: 5.0}))
