# An input pipeline built from TF1 queues, where the script forgets
# tf.train.start_queue_runners(): the first sess.run on the batch waits forever.
import numpy as np
import tensorflow as tf

features = tf.constant(np.arange(20, dtype=np.float32).reshape(10, 2))
example = tf.train.slice_input_producer([features], shuffle=False)
batch = tf.train.batch(example, batch_size=4)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print("first batch:", sess.run(batch))
