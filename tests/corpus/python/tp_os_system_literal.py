# expect: python.os_system medium
# path: tools/clear.py
import os
os.system("clear")
