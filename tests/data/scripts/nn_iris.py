# A network with one hidden layer on iris, written in the style of the TensorFlow Machine
# Learning Cookbook's recipe 06/04 for tf1repro's tests: petal width from the other three
# measurements, min-max normalised. After every step the script evaluates the loss on the test
# set too, the curve it plots beside the training loss. Fewer steps than the recipe, to be fast.
import numpy as np
import tensorflow as tf
from sklearn import datasets

iris = datasets.load_iris()
x_vals = np.array([flower[0:3] for flower in iris.data])
y_vals = np.array([flower[3] for flower in iris.data])

sess = tf.Session()

train_indices = np.random.choice(len(x_vals), round(len(x_vals) * 0.8), replace=False)
test_indices = np.array(list(set(range(len(x_vals))) - set(train_indices)))
x_vals_train = x_vals[train_indices]
x_vals_test = x_vals[test_indices]
y_vals_train = y_vals[train_indices]
y_vals_test = y_vals[test_indices]


def normalize_cols(m):
    col_max = m.max(axis=0)
    col_min = m.min(axis=0)
    return (m - col_min) / (col_max - col_min)


x_vals_train = np.nan_to_num(normalize_cols(x_vals_train))
x_vals_test = np.nan_to_num(normalize_cols(x_vals_test))

batch_size = 50
x_data = tf.placeholder(shape=[None, 3], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)

hidden_layer_nodes = 10
A1 = tf.Variable(tf.random_normal(shape=[3, hidden_layer_nodes]))
b1 = tf.Variable(tf.random_normal(shape=[hidden_layer_nodes]))
A2 = tf.Variable(tf.random_normal(shape=[hidden_layer_nodes, 1]))
b2 = tf.Variable(tf.random_normal(shape=[1]))

hidden_output = tf.nn.relu(tf.add(tf.matmul(x_data, A1), b1))
final_output = tf.nn.relu(tf.add(tf.matmul(hidden_output, A2), b2))
loss = tf.reduce_mean(tf.square(y_target - final_output))

my_opt = tf.train.GradientDescentOptimizer(0.005)
train_step = my_opt.minimize(loss)
sess.run(tf.global_variables_initializer())

loss_vec = []
test_loss = []
for i in range(20):
    rand_index = np.random.choice(len(x_vals_train), size=batch_size)
    rand_x = x_vals_train[rand_index]
    rand_y = np.transpose([y_vals_train[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})

    temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
    loss_vec.append(np.sqrt(temp_loss))
    test_temp_loss = sess.run(
        loss, feed_dict={x_data: x_vals_test, y_target: np.transpose([y_vals_test])}
    )
    test_loss.append(np.sqrt(test_temp_loss))
    if (i + 1) % 5 == 0:
        print("Generation: " + str(i + 1) + ". Loss = " + str(temp_loss))

print("Test losses: " + str(test_loss))
