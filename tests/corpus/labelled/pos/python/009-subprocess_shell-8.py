# expect: python.subprocess_shell high
# path: src/pkg/loader.py
"""module docstring"""

import subprocess, sys
subprocess.run(sys.argv[1], shell=True, check=True)
