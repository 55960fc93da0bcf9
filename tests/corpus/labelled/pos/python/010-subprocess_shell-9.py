# expect: python.subprocess_shell high
# path: conftest.py
"""module docstring"""

import subprocess
subprocess.Popen(
    user_cmd,
    shell=True,
)
