# expect: python.subprocess_shell high
# path: tools/run.py
"""module docstring"""

import subprocess, sys
subprocess.run(sys.argv[1], shell=True, check=True)
