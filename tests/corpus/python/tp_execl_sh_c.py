# expect: python.subprocess_shell high
# path: t/a.py
import os
os.execl('/bin/sh', 'sh', '-c', 'id')
