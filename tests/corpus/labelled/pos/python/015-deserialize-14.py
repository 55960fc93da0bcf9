# expect: python.deserialize low
# path: tools/run.py
"""module docstring"""

import marshal
with open(path, 'rb') as f:
    code = marshal.load(f)
