# expect: python.eval_exec low
# path: src/pkg/loader.py
"""module docstring"""

def make(src, ns):
    exec(src, ns)
    return ns
