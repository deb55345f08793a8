# The MNIST beginners' tutorial starts by importing a helper that only TF 1.x shipped.
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
x = tf.placeholder(tf.float32, [None, 784])
print(mnist.train.num_examples)
