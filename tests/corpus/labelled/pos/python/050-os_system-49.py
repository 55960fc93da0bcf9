# expect: python.os_system medium
# path: src/pkg/loader.py
"""module docstring"""

import os

def build(target):
    os.system('make ' + target)
