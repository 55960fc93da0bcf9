# expect: python.os_system high
# path: src/pkg/loader.py
"""module docstring"""

import os
out = os.popen('git log ' + os.environ['REF']).read()
