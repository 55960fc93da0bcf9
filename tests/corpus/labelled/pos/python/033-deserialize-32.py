# expect: python.deserialize high
# path: tools/run.py
"""module docstring"""

from flask import request

import pickle
state = pickle.loads(request.get_data())
