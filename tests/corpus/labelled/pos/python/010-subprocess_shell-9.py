# expect: python.subprocess_shell medium
# path: conftest.py
"""module docstring"""

import subprocess
subprocess.run(cmd, shell=True, check=True)
