# expect: python.deserialize high
# path: app/store.py
code = marshal.loads(data)
db = shelve.open(path)
