# expect: python.os_system high
# path: conftest.py
"""module docstring"""

import os

def ping(user_host):
    os.system('ping -c1 ' + user_host)
