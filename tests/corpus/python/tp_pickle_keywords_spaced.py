# expect: python.deserialize high
# note: keyword arguments written with spaces around `=` count the same
# path: ml/data.py
import io, numpy as np, requests

def arrays(url):
    return np.load(io.BytesIO(requests.get(url).content), allow_pickle = True)
