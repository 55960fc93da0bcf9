# expect: python.deserialize high
# path: ml/model.py
import io, requests, torch

def model(url):
    return torch.load(io.BytesIO(requests.get(url).content), weights_only=False)
