# Two training ops in one graph, written in the style of the TensorFlow Machine Learning
# Cookbook's recipe 06/03 for tf1repro's tests: one optimizer minimises two losses, a sigmoid
# unit's and a ReLU unit's distance to 0.75, each with its own variables; every iteration runs
# both ops, in turn, on the same batch, then evaluates both losses and units. 25 iterations
# (50 training steps) instead of the recipe's 500, to be fast.
import numpy as np
import tensorflow as tf

sess = tf.Session()
tf.set_random_seed(7)
np.random.seed(3)

weight_sigmoid = tf.Variable(tf.random_normal(shape=[1, 1]))
bias_sigmoid = tf.Variable(tf.random_uniform(shape=[1, 1]))
weight_relu = tf.Variable(tf.random_normal(shape=[1, 1]))
bias_relu = tf.Variable(tf.random_uniform(shape=[1, 1]))

data = np.random.normal(2, 0.1, 200)
inputs = tf.placeholder(shape=[None, 1], dtype=tf.float32)

sigmoid_unit = tf.sigmoid(tf.add(tf.matmul(inputs, weight_sigmoid), bias_sigmoid))
relu_unit = tf.nn.relu(tf.add(tf.matmul(inputs, weight_relu), bias_relu))
sigmoid_loss = tf.reduce_mean(tf.square(tf.subtract(sigmoid_unit, 0.75)))
relu_loss = tf.reduce_mean(tf.square(tf.subtract(relu_unit, 0.75)))

sess.run(tf.global_variables_initializer())
optimizer = tf.train.GradientDescentOptimizer(0.05)
train_sigmoid = optimizer.minimize(sigmoid_loss)
train_relu = optimizer.minimize(relu_loss)

for i in range(25):
    batch = np.transpose([data[np.random.choice(len(data), size=20)]])
    sess.run(train_sigmoid, feed_dict={inputs: batch})
    sess.run(train_relu, feed_dict={inputs: batch})
    losses = sess.run([sigmoid_loss, relu_loss], feed_dict={inputs: batch})
    sigmoid_mean = np.mean(sess.run(sigmoid_unit, feed_dict={inputs: batch}))
    relu_mean = np.mean(sess.run(relu_unit, feed_dict={inputs: batch}))
    if i % 5 == 0:
        print("step", i, "losses", losses[0], losses[1], "means", sigmoid_mean, relu_mean)
