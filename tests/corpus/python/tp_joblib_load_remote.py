# expect: python.deserialize high
# path: ml/model.py
import io, joblib, requests

def model(url):
    return joblib.load(io.BytesIO(requests.get(url).content))
