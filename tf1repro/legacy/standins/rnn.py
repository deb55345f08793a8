"""The RNN pieces of ``tf.contrib`` that TensorFlow 2 has no home for, written in core ops.

``tf.contrib.seq2seq.sequence_loss`` is TensorFlow 1.15's function, op for op, in
``tf.compat.v1``: the same reshapes, the same ``sparse_softmax_cross_entropy_with_logits``, the
same sums and divisions in the same order, so its value and its gradient are TF 1.x's bit for
bit. TensorFlow 2 kept nothing of ``tf.contrib.seq2seq`` (TensorFlow Addons, which ported it,
is end-of-life), and the loss is a handful of core ops: writing it out is the faithful choice.

Releases before 1.13 divided by ``sum(weights) + 1e-12`` where 1.15 uses ``div_no_nan``; the two
differ only when the weights' sum is below about 1e-5 (in float32, adding 1e-12 to anything
larger changes nothing), e.g. all-zero weights, where both give 0.
"""

from __future__ import annotations

from typing import Any

import tensorflow.compat.v1 as tf


def sequence_loss(
    logits: Any,
    targets: Any,
    weights: Any,
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    sum_over_timesteps: bool = False,
    sum_over_batch: bool = False,
    softmax_loss_function: Any = None,
    name: str | None = None,
) -> Any:
    """Weighted cross-entropy of a sequence of logits, as ``tf.contrib.seq2seq`` computed it.

    ``logits`` is ``[batch_size, sequence_length, num_classes]``, ``targets`` (int) and
    ``weights`` (float: 1 for a real time step, 0 for padding) are ``[batch_size,
    sequence_length]``. By default the result is the scalar weighted mean over every time step
    of every example (the log-perplexity per symbol); ``average_across_*`` divide a sum by the
    weights' sum over that dimension, ``sum_over_*`` by the number of non-zero weights, and a
    dimension with neither is kept (rank 0, 1 or 2).
    """
    if len(logits.get_shape()) != 3:
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    if len(targets.get_shape()) != 2:
        raise ValueError("Targets must be a [batch_size x sequence_length] tensor")
    if len(weights.get_shape()) != 2:
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError(
            "average_across_timesteps and sum_over_timesteps cannot be set to True at same time."
        )
    if average_across_batch and sum_over_batch:
        raise ValueError(
            "average_across_batch and sum_over_batch cannot be set to True at same time."
        )
    with tf.name_scope(name, "sequence_loss", [logits, targets, weights]):
        num_classes = tf.shape(logits)[2]
        logits_flat = tf.reshape(logits, [-1, num_classes])
        targets = tf.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=targets, logits=logits_flat
            )
        else:
            crossent = softmax_loss_function(labels=targets, logits=logits_flat)
        crossent *= tf.reshape(weights, [-1])
        if average_across_timesteps and average_across_batch:
            return tf.div_no_nan(tf.reduce_sum(crossent), tf.reduce_sum(weights))
        if sum_over_timesteps and sum_over_batch:
            total = tf.reduce_sum(crossent)
            return tf.div_no_nan(total, tf.cast(tf.count_nonzero(weights), crossent.dtype))
        crossent = tf.reshape(crossent, tf.shape(logits)[0:2])
        if average_across_timesteps or average_across_batch:
            axis = [0] if average_across_batch else [1]
            return tf.div_no_nan(
                tf.reduce_sum(crossent, axis=axis), tf.reduce_sum(weights, axis=axis)
            )
        if sum_over_timesteps or sum_over_batch:
            axis = [0] if sum_over_batch else [1]
            total = tf.reduce_sum(crossent, axis=axis)
            count = tf.cast(tf.count_nonzero(weights, axis=axis), dtype=crossent.dtype)
            return tf.div_no_nan(total, count)
        return crossent
