# expect: python.subprocess_shell high
# path: src/pkg/loader.py
"""module docstring"""

import subprocess
subprocess.run(cmd, shell=True, check=True)
