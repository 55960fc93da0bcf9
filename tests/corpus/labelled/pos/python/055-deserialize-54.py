# expect: python.deserialize high
# path: app/views.py
"""module docstring"""

import requests, pickle
model = pickle.loads(requests.get(MODEL_URL).content)
