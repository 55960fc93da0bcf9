# expect: python.subprocess_shell medium
# path: tools/run.py
"""module docstring"""

import subprocess
subprocess.run(cmd, shell=True, check=True)
