# Batch and Stochastic Training
# ----------------------------------
#
# The article's script as it was published for TensorFlow 1 (comments translated), unmodified:
# one model variable A is trained so that x * A = 10, first one sample at a time, then in
# batches of 20, and the two loss curves are shown.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow.python.framework import ops

ops.reset_default_graph()

# Stochastic training:
# Create graph
sess = tf.Session()

# Declare the data
x_vals = np.random.normal(1, 0.1, 100)
y_vals = np.repeat(10.0, 100)
x_data = tf.placeholder(shape=[1], dtype=tf.float32)
y_target = tf.placeholder(shape=[1], dtype=tf.float32)

# Declare the variable (one model parameter = A)
A = tf.Variable(tf.random_normal(shape=[1]))

# Add the operation to the graph
my_output = tf.multiply(x_data, A)

# Add the L2 loss
loss = tf.square(my_output - y_target)

# Initialize the variables
init = tf.global_variables_initializer()
sess.run(init)

# Declare the optimizer
my_opt = tf.train.GradientDescentOptimizer(0.02)
train_step = my_opt.minimize(loss)

loss_stochastic = []
# Run the loop
for i in range(100):
    rand_index = np.random.choice(100)
    rand_x = [x_vals[rand_index]]
    rand_y = [y_vals[rand_index]]
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    if (i + 1) % 5 == 0:
        print("Step #" + str(i + 1) + " A = " + str(sess.run(A)))
        temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
        print("Loss = " + str(temp_loss))
        loss_stochastic.append(temp_loss)

# Batch training:
# Reset the graph
ops.reset_default_graph()
sess = tf.Session()

# Declare the batch size: how many data points go through the graph at once
batch_size = 20

# Declare the data and the placeholders
x_vals = np.random.normal(1, 0.1, 100)
y_vals = np.repeat(10.0, 100)
x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)

# Declare the variable (one model parameter = A)
A = tf.Variable(tf.random_normal(shape=[1, 1]))

# Add the matrix multiplication (not commutative)
my_output = tf.matmul(x_data, A)

# Add the loss: the mean of the L2 losses of the batch
loss = tf.reduce_mean(tf.square(my_output - y_target))

# Initialize the variables
init = tf.global_variables_initializer()
sess.run(init)

# Declare the optimizer
my_opt = tf.train.GradientDescentOptimizer(0.02)
train_step = my_opt.minimize(loss)

loss_batch = []
# Run the loop
for i in range(100):
    rand_index = np.random.choice(100, size=batch_size)
    rand_x = np.transpose([x_vals[rand_index]])
    rand_y = np.transpose([y_vals[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    if (i + 1) % 5 == 0:
        print("Step #" + str(i + 1) + " A = " + str(sess.run(A)))
        temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
        print("Loss = " + str(temp_loss))
        loss_batch.append(temp_loss)

plt.plot(range(0, 100, 5), loss_stochastic, "b-", label="Stochastic Loss")
plt.plot(range(0, 100, 5), loss_batch, "r--", label="Batch Loss, size=20")
plt.legend(loc="upper right", prop={"size": 11})
plt.show()
