# expect: python.deserialize high
# note: unpickling a request's body stays reported next to a round trip
# path: app/views.py
import pickle
def view(request):
    obj = pickle.loads(pickle.dumps(1))  # a copy
    return pickle.loads(request.body)
    return pickle.loads(pickle.dumps(1) + request.body)
