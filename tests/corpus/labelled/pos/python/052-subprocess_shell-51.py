# expect: python.subprocess_shell high
# path: setup.py
"""module docstring"""

import subprocess
subprocess.Popen(
    user_cmd,
    shell=True,
)
