# tf.contrib.learn had no successor that computes the same thing: the runner names it, and stops.
import numpy as np
import tensorflow as tf

features = np.random.normal(size=(20, 3)).astype(np.float32)
columns = tf.contrib.learn.infer_real_valued_columns_from_input(features)
print(columns)
