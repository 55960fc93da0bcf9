# expect: python.deserialize high
# path: conftest.py
"""module docstring"""

import requests, pickle
model = pickle.loads(requests.get(MODEL_URL).content)
