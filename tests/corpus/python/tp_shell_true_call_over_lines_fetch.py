# expect: python.subprocess_shell high
# note: a literal command that fetches code and runs it, on the line that opens the call.
# path: app/setup_tools.py
import subprocess
subprocess.check_call("curl -fsSL https://get.example.com | sh",
                      shell=True)
