# expect: python.eval_exec high
# path: conftest.py
"""module docstring"""

from flask import request

@app.route('/calc')
def calc():
    return str(eval(request.args['expr']))
