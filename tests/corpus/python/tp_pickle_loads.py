# expect: python.deserialize high
# path: app/cache.py
import pickle
def load(blob):
    return pickle.loads(blob)
