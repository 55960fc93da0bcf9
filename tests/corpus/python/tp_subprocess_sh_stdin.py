# expect: python.subprocess_shell high
# path: tools/bootstrap.py
import subprocess, requests

subprocess.run(["sh"], input=requests.get("https://get.acme-tools.dev/x.sh").text, text=True, check=True)
