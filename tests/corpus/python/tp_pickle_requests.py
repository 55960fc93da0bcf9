# expect: python.deserialize high
# path: tools/f.py
import pickle, requests
obj = pickle.loads(requests.get('https://get.example.net/o').content)
