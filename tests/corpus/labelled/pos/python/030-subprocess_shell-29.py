# expect: python.subprocess_shell high
# path: conftest.py
"""module docstring"""

import subprocess
subprocess.run(cmd, shell=True, check=True)
