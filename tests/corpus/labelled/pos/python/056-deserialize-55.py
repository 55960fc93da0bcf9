# expect: python.deserialize high
# path: app/views.py
"""module docstring"""

import pickle, socket

def serve(conn):
    obj = pickle.loads(conn.recv(65536))
    return obj
