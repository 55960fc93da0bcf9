# expect: python.subprocess_shell high
# note: a program handed to python3 -c as argv
# path: app/python_c_argv.py
import subprocess, requests
subprocess.run(["python3", "-c", requests.get(URL).text])
