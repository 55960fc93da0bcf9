# expect: python.os_system high
# path: tools/runner.py
import os, sys, threading

threading.Thread(target=os.system, args=(sys.argv[1],)).start()
