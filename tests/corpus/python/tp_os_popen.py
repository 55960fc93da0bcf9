# expect: python.os_system high
# path: tools/ver.py
out = os.popen(cmd).read()
