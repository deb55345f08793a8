# lab_rnn.py's computation spelled the TF 1.x way without tf.contrib: tf.nn.rnn_cell's
# BasicLSTMCell, fully_connected as the dense layer it was (Glorot-uniform weights, zero biases,
# tensordot over the last axis, bias_add), and sequence_loss as TF 1.15's ops.
import hashlib

import numpy as np
import tensorflow as tf

idx2char = ["h", "i", "e", "l", "o"]
x_data = [[0, 1, 0, 2, 3, 3]]  # hihell
y_data = [[1, 0, 2, 3, 3, 4]]  # ihello
x_one_hot = np.eye(5, dtype=np.float32)[x_data]
batch_size, sequence_length, hidden_size, num_classes = 1, 6, 5, 5

X = tf.placeholder(tf.float32, [None, sequence_length, 5])
Y = tf.placeholder(tf.int32, [None, sequence_length])
cell = tf.nn.rnn_cell.BasicLSTMCell(num_units=hidden_size, state_is_tuple=True)
initial_state = cell.zero_state(batch_size, tf.float32)
outputs, _states = tf.nn.dynamic_rnn(cell, X, initial_state=initial_state, dtype=tf.float32)
with tf.variable_scope("fully_connected"):
    kernel = tf.get_variable(
        "weights", [hidden_size, num_classes], initializer=tf.glorot_uniform_initializer()
    )
    bias = tf.get_variable("biases", [num_classes], initializer=tf.zeros_initializer())
    outputs = tf.nn.bias_add(tf.tensordot(outputs, kernel, [[2], [0]]), bias)
weights = tf.ones([batch_size, sequence_length])
crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=tf.reshape(Y, [-1]), logits=tf.reshape(outputs, [-1, num_classes])
)
crossent *= tf.reshape(weights, [-1])
sequence_loss = tf.div_no_nan(tf.reduce_sum(crossent), tf.reduce_sum(weights))
loss = tf.reduce_mean(sequence_loss)
train = tf.train.AdamOptimizer(learning_rate=0.1).minimize(loss)
prediction = tf.argmax(outputs, axis=2)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(8):
        cost, _ = sess.run([loss, train], feed_dict={X: x_one_hot, Y: y_data})
        result = sess.run(prediction, feed_dict={X: x_one_hot})
        text = "".join(idx2char[c] for c in np.squeeze(result))
        print(i, "loss:", repr(float(cost)), "prediction:", result, "text:", text)
    for variable, value in zip(
        tf.trainable_variables(), sess.run(tf.trainable_variables()), strict=True
    ):
        print(variable.name, value.shape, hashlib.sha256(value.tobytes()).hexdigest()[:16])
