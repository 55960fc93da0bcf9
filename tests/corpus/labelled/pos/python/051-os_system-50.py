# expect: python.os_system high
# path: tools/run.py
"""module docstring"""

import os
out = os.popen('git log ' + os.environ['REF']).read()
