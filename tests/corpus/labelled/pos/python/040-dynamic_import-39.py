# expect: python.dynamic_import low
# path: tools/run.py
"""module docstring"""

import importlib
mod = importlib.import_module('plugins.' + name)
