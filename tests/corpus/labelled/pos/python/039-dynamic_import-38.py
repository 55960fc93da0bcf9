# expect: python.dynamic_import medium
# path: setup.py
"""module docstring"""

from flask import request

mod = __import__(request.args['plugin'])
