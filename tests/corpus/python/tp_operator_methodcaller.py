# expect: python.os_system high
# path: tools/runner.py
import operator, os, sys

operator.methodcaller('system', sys.argv[1])(os)
