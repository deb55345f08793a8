# tf.contrib.rnn's cells and wrappers, unrolled by static_rnn and static_bidirectional_rnn: for
# each, the outputs, the final state and the gradient of a fixed linear loss. rnn_cells_oracle.py
# writes each cell as TF 1.15's equations in core ops; both print the same digests.
import hashlib

import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.core.protobuf import rewriter_config_pb2

steps, batch, depth, units = 4, 3, 2, 3
data = np.random.RandomState(0)
inputs_value = data.uniform(-1, 1, (steps, batch, depth)).astype(np.float32)
targets = data.uniform(-1, 1, (steps, batch, 2 * units)).astype(np.float32)
inputs = [tf.constant(row) for row in inputs_value]
# Grappler's arithmetic optimizer rewrites each AddN (the sum of a tensor's gradients) in an
# order that follows the nodes' names, so two graphs of the same ops that differ only in names
# may sum in different orders (MultiRNNCell's gradients: 1 ulp apart). Off, the comparison is
# of the computation.
config = tf.ConfigProto()
config.graph_options.rewrite_options.arithmetic_optimization = (
    rewriter_config_pb2.RewriterConfig.OFF
)


def digest(arrays):
    # + 0.0 makes -0.0 +0.0: TF 1.15's dropout multiplied by its 0/1 mask (-0.0 for a negative
    # input), TF 2's selects 0.0; the numbers are the same.
    joined = b"".join((np.asarray(a, np.float32) + np.float32(0)).tobytes() for a in arrays)
    return hashlib.sha256(joined).hexdigest()[:16]


def report(name, outputs, state):
    width = outputs[0].shape[-1]
    loss = tf.reduce_sum(tf.stack(outputs) * targets[:, :, :width])
    variables = tf.trainable_variables(scope=name)
    grads = tf.gradients(loss, variables)
    with tf.Session(config=config) as sess:
        sess.run(tf.variables_initializer(variables))
        out, last, grad = sess.run([outputs, tf.nest.flatten(state), grads])
    print(name, [v.shape.as_list() for v in variables])
    print("  outputs", digest(out), "state", digest(last), "gradients", digest(grad))
    print("  last output", np.round(out[-1][0], 5).tolist())


cases = [
    ("basic_rnn", lambda: rnn.BasicRNNCell(units)),
    ("gru", lambda: rnn.GRUCell(units)),
    ("basic_lstm", lambda: rnn.BasicLSTMCell(units, forget_bias=1.0)),
    ("lstm", lambda: rnn.LSTMCell(units)),
    ("multi", lambda: rnn.MultiRNNCell([rnn.BasicLSTMCell(units), rnn.GRUCell(units)])),
    ("dropout", lambda: rnn.DropoutWrapper(rnn.BasicRNNCell(units), output_keep_prob=0.5)),
]
for name, make in cases:
    with tf.variable_scope(name):
        outputs, state = rnn.static_rnn(make(), inputs, dtype=tf.float32)
    report(name, outputs, state)

with tf.variable_scope("bidirectional"):
    outputs, forward, backward = rnn.static_bidirectional_rnn(
        rnn.BasicLSTMCell(units), rnn.BasicLSTMCell(units), inputs, dtype=tf.float32
    )
report("bidirectional", outputs, (forward, backward))
