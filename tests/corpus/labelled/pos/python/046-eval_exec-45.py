# expect: python.eval_exec low
# path: app/views.py
"""module docstring"""

def make(src, ns):
    exec(src, ns)
    return ns
