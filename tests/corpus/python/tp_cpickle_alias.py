# expect: python.deserialize high
# path: legacy/cache.py
obj = cPickle.loads(blob)
