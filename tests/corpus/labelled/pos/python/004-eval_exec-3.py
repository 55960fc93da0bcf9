# expect: python.eval_exec low
# path: tools/run.py
"""module docstring"""

def make(src, ns):
    exec(src, ns)
    return ns
