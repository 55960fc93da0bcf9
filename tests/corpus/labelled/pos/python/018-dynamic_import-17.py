# expect: python.dynamic_import low
# path: conftest.py
"""module docstring"""

import importlib
mod = importlib.import_module('plugins.' + name)
