# Linear regression, TF1 style: y = W * x + b fitted by gradient descent in an explicit graph.
# Exercises `with tf.Graph().as_default()`, unseeded random initial values, NumPy data,
# and two figures shown one after the other.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

x_train = np.linspace(-1.0, 1.0, 50)
y_train = 2.0 * x_train + 0.5 + np.random.normal(0.0, 0.2, 50)

with tf.Graph().as_default():
    X = tf.placeholder(tf.float32, name="X")
    Y = tf.placeholder(tf.float32, name="Y")
    W = tf.Variable(tf.random_normal([1]), name="weight")
    b = tf.Variable(tf.zeros([1]), name="bias")
    prediction = tf.add(tf.multiply(X, W), b)
    cost = tf.reduce_mean(tf.square(prediction - Y))
    optimizer = tf.train.GradientDescentOptimizer(0.1).minimize(cost)

    costs = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(60):
            _, c = sess.run([optimizer, cost], feed_dict={X: x_train, Y: y_train})
            costs.append(c)
            if (epoch + 1) % 20 == 0:
                print(f"Epoch: {epoch + 1:04d} cost= {c:.9f}", "W=", sess.run(W), "b=", sess.run(b))
        fitted_w, fitted_b = sess.run(W), sess.run(b)

plt.plot(x_train, y_train, "ro", label="Original data")
plt.plot(x_train, fitted_w * x_train + fitted_b, label="Fitted line")
plt.legend()
plt.show()

plt.plot(costs)
plt.title("cost")
plt.show()
