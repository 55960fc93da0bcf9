# expect: python.os_system high
# path: tools/runner.py
import os, sys

getattr(os, 'SYSTEM'.lower())(sys.argv[1])
