# expect: python.os_system medium
# path: setup.py
"""module docstring"""

import os

def build(target):
    os.system('make ' + target)
