# expect: none
# note: the environment copied for a child process, a token read by name, and requests that
# note: send neither; a comment that mentions both
# path: app/client.py
import os, subprocess, requests
env = dict(os.environ)
env["LC_ALL"] = "C"
subprocess.run(["make", "test"], env=env, check=True)
token = os.environ.get("API_TOKEN", "")
requests.post("https://api.example.com/v1/items", json={"name": "x"}, headers={"Authorization": "Bearer " + token})
# never do requests.post(url, data=dict(os.environ))
if os.path.exists(os.path.expanduser("~/.netrc")):
    print("a netrc is configured")
