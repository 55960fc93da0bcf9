# expect: python.dynamic_import medium
# path: conftest.py
"""module docstring"""

from flask import request

mod = __import__(request.args['plugin'])
