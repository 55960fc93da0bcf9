# expect: python.eval_exec high
# note: exec fetched by getattr (six's spelling) and bound is judged at its call, here on downloaded code
# path: pkg/loader.py
import requests
from six import moves
run = getattr(moves.builtins, "exec")
run(requests.get(url).text)
