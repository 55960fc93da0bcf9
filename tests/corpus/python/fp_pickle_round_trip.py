# expect: none
# note: unpickling what was pickled in the same expression (a copy through pickle) reads no outside data
# path: pkg/tests/test_copy.py
import pickle, sys
def test_round_trip(request):
    obj2 = pickle.loads(pickle.dumps(request, protocol=2))
    obj3 = pickle.loads(pickle.dumps(sys.argv))
