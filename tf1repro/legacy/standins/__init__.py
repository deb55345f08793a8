"""Stand-ins for TensorFlow 1 APIs that TensorFlow 2 removed, served by the legacy bootstrap.

Each module is loaded by the child process from its file (the bootstrap imports nothing from
tf1repro), under the name of the API it replaces; it imports nothing from tf1repro either.
"""
