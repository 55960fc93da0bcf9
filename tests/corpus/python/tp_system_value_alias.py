# expect: python.os_system high
# path: tools/runner.py
import os, sys

run = os.system
run(sys.argv[1])
