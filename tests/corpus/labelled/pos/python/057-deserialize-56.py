# expect: python.deserialize high
# path: setup.py
"""module docstring"""

from flask import request

import pickle
state = pickle.loads(request.get_data())
