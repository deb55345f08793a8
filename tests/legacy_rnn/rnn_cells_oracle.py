# rnn_cells.py's cells written out as TF 1.15's rnn_cell_impl computed them, in core ops, with
# the same variables made in the same order (so the graph seed gives them the same values).
import hashlib

import numpy as np
import tensorflow as tf
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
    joined = b"".join((np.asarray(a, np.float32) + np.float32(0)).tobytes() for a in arrays)
    return hashlib.sha256(joined).hexdigest()[:16]


def report(name, outputs, state, variables):
    width = outputs[0].shape[-1]
    loss = tf.reduce_sum(tf.stack(outputs) * targets[:, :, :width])
    grads = tf.gradients(loss, variables)
    with tf.Session(config=config) as sess:
        sess.run(tf.variables_initializer(variables))
        out, last, grad = sess.run([outputs, tf.nest.flatten(state), grads])
    print(name, [v.shape.as_list() for v in variables])
    print("  outputs", digest(out), "state", digest(last), "gradients", digest(grad))
    print("  last output", np.round(out[-1][0], 5).tolist())


def kernel(name, rows, columns):
    # A cell's default initializer: the variable scope's, Glorot uniform.
    return tf.get_variable(name, [rows, columns], initializer=tf.glorot_uniform_initializer())


def bias(name, size, value=0.0):
    return tf.get_variable(name, [size], initializer=tf.constant_initializer(value))


def basic_rnn():
    w, b = kernel("kernel", depth + units, units), bias("bias", units)

    def step(x, h):
        h = tf.tanh(tf.nn.bias_add(tf.matmul(tf.concat([x, h], 1), w), b))
        return h, h

    return step, [w, b]


def gru(input_depth=depth):
    gates_w = kernel("gates/kernel", input_depth + units, 2 * units)
    gates_b = bias("gates/bias", 2 * units, 1.0)
    candidate_w = kernel("candidate/kernel", input_depth + units, units)
    candidate_b = bias("candidate/bias", units)

    def step(x, h):
        value = tf.sigmoid(tf.nn.bias_add(tf.matmul(tf.concat([x, h], 1), gates_w), gates_b))
        r, u = tf.split(value=value, num_or_size_splits=2, axis=1)
        candidate = tf.matmul(tf.concat([x, r * h], 1), candidate_w)
        c = tf.tanh(tf.nn.bias_add(candidate, candidate_b))
        new_h = u * h + (1 - u) * c
        return new_h, new_h

    return step, [gates_w, gates_b, candidate_w, candidate_b]


def basic_lstm(forget_bias=1.0):
    w, b = kernel("kernel", depth + units, 4 * units), bias("bias", 4 * units)

    def step(x, state):
        c, h = state
        gates = tf.nn.bias_add(tf.matmul(tf.concat([x, h], 1), w), b)
        i, j, f, o = tf.split(value=gates, num_or_size_splits=4, axis=tf.constant(1))
        forget = tf.constant(forget_bias, dtype=f.dtype)
        new_c = tf.add(tf.multiply(c, tf.sigmoid(tf.add(f, forget))), tf.sigmoid(i) * tf.tanh(j))
        new_h = tf.multiply(tf.tanh(new_c), tf.sigmoid(o))
        return new_h, (new_c, new_h)

    return step, [w, b]


def lstm(forget_bias=1.0):
    w, b = kernel("kernel", depth + units, 4 * units), bias("bias", 4 * units)

    def step(x, state):
        c_prev, m_prev = state
        matrix = tf.nn.bias_add(tf.matmul(tf.concat([x, m_prev], 1), w), b)
        i, j, f, o = tf.split(value=matrix, num_or_size_splits=4, axis=1)
        c = tf.sigmoid(f + forget_bias) * c_prev + tf.sigmoid(i) * tf.tanh(j)
        m = tf.sigmoid(o) * tf.tanh(c)
        return m, (c, m)

    return step, [w, b]


def unroll(step, state, xs):
    outputs = []
    for x in xs:
        output, state = step(x, state)
        outputs.append(output)
    return outputs, state


zeros = tf.zeros([batch, units])

with tf.variable_scope("basic_rnn"):
    step, variables = basic_rnn()
    outputs, state = unroll(step, zeros, inputs)
report("basic_rnn", outputs, state, variables)

with tf.variable_scope("gru"):
    step, variables = gru()
    outputs, state = unroll(step, zeros, inputs)
report("gru", outputs, state, variables)

with tf.variable_scope("basic_lstm"):
    step, variables = basic_lstm()
    outputs, state = unroll(step, (zeros, zeros), inputs)
report("basic_lstm", outputs, state, variables)

with tf.variable_scope("lstm"):
    step, variables = lstm()
    outputs, state = unroll(step, (zeros, zeros), inputs)
report("lstm", outputs, state, variables)

with tf.variable_scope("multi"):
    with tf.variable_scope("cell_0"):
        first, first_variables = basic_lstm()
    with tf.variable_scope("cell_1"):
        second, second_variables = gru(input_depth=units)

    def stacked(x, state):
        low, high = state
        x, low = first(x, low)
        x, high = second(x, high)
        return x, (low, high)

    outputs, state = unroll(stacked, ((zeros, zeros), zeros), inputs)
report("multi", outputs, state, first_variables + second_variables)

with tf.variable_scope("dropout"):
    cell, variables = basic_rnn()

    def dropped(x, h):
        # TF 1.15's dropout: keep where a uniform draw is >= rate, scale by 1 / keep_prob.
        output, h = cell(x, h)
        rate = tf.convert_to_tensor(1 - np.float32(0.5))
        keep = tf.random_uniform(tf.shape(output), dtype=output.dtype) >= rate
        return output * (1 / (1 - rate)) * tf.cast(keep, output.dtype), h

    outputs, state = unroll(dropped, zeros, inputs)
report("dropout", outputs, state, variables)

with tf.variable_scope("bidirectional"):
    with tf.variable_scope("fw"):
        forward_step, forward_variables = basic_lstm()
        forward_outputs, forward = unroll(forward_step, (zeros, zeros), inputs)
    with tf.variable_scope("bw"):
        backward_step, backward_variables = basic_lstm()
        backward_outputs, backward = unroll(backward_step, (zeros, zeros), inputs[::-1])
    outputs = [
        tf.concat([f, b], 1) for f, b in zip(forward_outputs, backward_outputs[::-1], strict=True)
    ]
report("bidirectional", outputs, (forward, backward), forward_variables + backward_variables)
