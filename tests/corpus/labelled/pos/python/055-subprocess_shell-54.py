# expect: python.subprocess_shell high
# path: app/views.py
"""module docstring"""

import subprocess
subprocess.Popen(
    user_cmd,
    shell=True,
)
