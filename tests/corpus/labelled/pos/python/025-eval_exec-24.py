# expect: python.eval_exec low
# path: conftest.py
"""module docstring"""

def make(src, ns):
    exec(src, ns)
    return ns
