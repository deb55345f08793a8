# A regression tutorial that downloads its CSV at start-up; the host does not resolve
# (".invalid" is reserved for names that never do), as on a machine without network access.
import urllib.request

import numpy as np
import tensorflow as tf

DATA_URL = "https://data.invalid/tutorials/birthweight.csv"
rows = urllib.request.urlopen(DATA_URL, timeout=10).read().decode().splitlines()
data = np.array([[float(v) for v in row.split(",")] for row in rows[1:]])

x = tf.placeholder(tf.float32, [None, data.shape[1] - 1])
print(x)
