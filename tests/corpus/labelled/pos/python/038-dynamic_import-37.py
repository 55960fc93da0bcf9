# expect: python.dynamic_import low
# path: app/views.py
"""module docstring"""

import importlib
mod = importlib.import_module('plugins.' + name)
