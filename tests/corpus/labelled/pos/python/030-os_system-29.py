# expect: python.os_system medium
# path: conftest.py
"""module docstring"""

import os

def build(target):
    os.system('make ' + target)
