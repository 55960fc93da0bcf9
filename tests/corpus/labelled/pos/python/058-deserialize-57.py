# expect: python.deserialize high
# path: src/pkg/loader.py
"""module docstring"""

import requests, pickle
model = pickle.loads(requests.get(MODEL_URL).content)
