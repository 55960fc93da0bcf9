# expect: python.deserialize low
# path: app/views.py
"""module docstring"""

import marshal
with open(path, 'rb') as f:
    code = marshal.load(f)
