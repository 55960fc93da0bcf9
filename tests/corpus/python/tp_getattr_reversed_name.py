# expect: python.os_system high
# path: tools/runner.py
import os, sys

getattr(os, 'metsys'[::-1])(sys.argv[1])
