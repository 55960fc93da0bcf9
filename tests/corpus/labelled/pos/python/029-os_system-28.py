# expect: python.os_system medium
# path: tools/run.py
"""module docstring"""

import os

def build(target):
    os.system('make ' + target)
