# A soft-margin linear SVM on iris, written in the style of the TensorFlow Machine Learning
# Cookbook's recipe 04/02 for tf1repro's tests: is a flower I. setosa (1) or not (-1), from its
# sepal length and petal width? After every step the script evaluates its accuracy on the whole
# training set and on the test set, the curves it plots. Fewer steps than the recipe, to be fast.
import numpy as np
import tensorflow as tf
from sklearn import datasets

sess = tf.Session()

# Sepal length and petal width; setosa against the rest.
iris = datasets.load_iris()
x_vals = np.array([[flower[0], flower[3]] for flower in iris.data])
y_vals = np.array([1 if species == 0 else -1 for species in iris.target])

# 80% of the flowers to train on, the rest to test.
train_indices = np.random.choice(len(x_vals), round(len(x_vals) * 0.8), replace=False)
test_indices = np.array(list(set(range(len(x_vals))) - set(train_indices)))
x_vals_train = x_vals[train_indices]
x_vals_test = x_vals[test_indices]
y_vals_train = y_vals[train_indices]
y_vals_test = y_vals[test_indices]

batch_size = 25
x_data = tf.placeholder(shape=[None, 2], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[2, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
model_output = tf.subtract(tf.matmul(x_data, A), b)

# Hinge loss plus alpha times the squared norm of A.
l2_norm = tf.reduce_sum(tf.square(A))
alpha = tf.constant([0.01])
classification_term = tf.reduce_mean(
    tf.maximum(0.0, tf.subtract(1.0, tf.multiply(model_output, y_target)))
)
loss = tf.add(classification_term, tf.multiply(alpha, l2_norm))

prediction = tf.sign(model_output)
accuracy = tf.reduce_mean(tf.cast(tf.equal(prediction, y_target), tf.float32))

my_opt = tf.train.GradientDescentOptimizer(0.01)
train_step = my_opt.minimize(loss)
sess.run(tf.global_variables_initializer())

loss_vec = []
train_accuracy = []
test_accuracy = []
for i in range(20):
    rand_index = np.random.choice(len(x_vals_train), size=batch_size)
    rand_x = x_vals_train[rand_index]
    rand_y = np.transpose([y_vals_train[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})

    temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
    loss_vec.append(temp_loss)
    train_acc_temp = sess.run(
        accuracy, feed_dict={x_data: x_vals_train, y_target: np.transpose([y_vals_train])}
    )
    train_accuracy.append(train_acc_temp)
    test_acc_temp = sess.run(
        accuracy, feed_dict={x_data: x_vals_test, y_target: np.transpose([y_vals_test])}
    )
    test_accuracy.append(test_acc_temp)
    if (i + 1) % 5 == 0:
        print("Step #" + str(i + 1) + " A = " + str(sess.run(A)) + " b = " + str(sess.run(b)))
        print("Loss = " + str(temp_loss))

print("Train accuracies: " + str(train_accuracy))
print("Test accuracies: " + str(test_accuracy))
