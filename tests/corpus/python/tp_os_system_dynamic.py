# expect: python.os_system high
# path: tools/build.py
import os
os.system("make " + target)
