# "hi hello" with one LSTM, the way TF 1.x RNN courses taught it: a tf.contrib.rnn cell,
# dynamic_rnn, tf.contrib.layers.fully_connected on its 3-D outputs and
# tf.contrib.seq2seq.sequence_loss, trained with AdamOptimizer. Its oracle, lab_rnn_oracle.py,
# spells the same computation with tf.nn.rnn_cell and core ops.
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
cell = tf.contrib.rnn.BasicLSTMCell(num_units=hidden_size, state_is_tuple=True)
initial_state = cell.zero_state(batch_size, tf.float32)
outputs, _states = tf.nn.dynamic_rnn(cell, X, initial_state=initial_state, dtype=tf.float32)
outputs = tf.contrib.layers.fully_connected(
    inputs=outputs, num_outputs=num_classes, activation_fn=None
)
weights = tf.ones([batch_size, sequence_length])
sequence_loss = tf.contrib.seq2seq.sequence_loss(logits=outputs, targets=Y, weights=weights)
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
