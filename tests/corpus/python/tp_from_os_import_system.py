# expect: python.os_system high
# path: tools/alias.py
from os import system as _s, system
system(user_cmd)
