# expect: python.eval_exec low
# path: setup.py
"""module docstring"""

def make(src, ns):
    exec(src, ns)
    return ns
