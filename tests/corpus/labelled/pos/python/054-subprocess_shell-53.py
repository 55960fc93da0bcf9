# expect: python.subprocess_shell medium
# path: setup.py
"""module docstring"""

import subprocess
subprocess.run(cmd, shell=True, check=True)
