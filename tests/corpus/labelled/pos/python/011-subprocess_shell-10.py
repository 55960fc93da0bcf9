# expect: python.subprocess_shell high
# path: tools/run.py
"""module docstring"""

import subprocess
subprocess.Popen(
    user_cmd,
    shell=True,
)
