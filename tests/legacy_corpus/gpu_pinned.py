# A multi-device tutorial pins its ops to the first GPU; on a machine without one, TF refuses
# unless the session may place them elsewhere (--soft-placement).
import tensorflow as tf

with tf.device("/gpu:0"):
    a = tf.constant([1.0, 2.0, 3.0], name="a")
    b = tf.constant([4.0, 5.0, 6.0], name="b")
    c = a * b

with tf.Session() as sess:
    print("product", sess.run(c))
