# expect: none
# note: a name bound to the environment (for a child process) and the same word as a JSON key
# note: or a string in a request: the word in quotes is not the name
# path: ci/report.py
import os, subprocess, requests
env = os.environ.copy()
subprocess.run(["make", "check"], env=env, check=True)
requests.post("https://ci.example.com/api/status", json={"env": "production", "state": "ok"})
