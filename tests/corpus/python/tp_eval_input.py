# expect: python.eval_exec high
# path: app/calc.py
def calc(expr):
    return eval(expr)
