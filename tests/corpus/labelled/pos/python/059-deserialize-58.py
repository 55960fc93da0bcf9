# expect: python.deserialize low
# path: src/pkg/loader.py
"""module docstring"""

import marshal
with open(path, 'rb') as f:
    code = marshal.load(f)
