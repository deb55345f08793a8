# A linear model written with tf.estimator, which TensorFlow removed in 2.16.
import numpy as np
import tensorflow as tf

x = np.linspace(0.0, 1.0, 10).astype(np.float32)
feature = tf.feature_column.numeric_column("x")
model = tf.estimator.LinearRegressor(feature_columns=[feature])
print(model)
