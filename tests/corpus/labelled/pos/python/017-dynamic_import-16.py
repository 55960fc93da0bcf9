# expect: python.dynamic_import low
# path: src/pkg/loader.py
"""module docstring"""

import importlib
mod = importlib.import_module('plugins.' + name)
