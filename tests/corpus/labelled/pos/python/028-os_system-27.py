# expect: python.os_system high
# path: app/views.py
"""module docstring"""

import os
out = os.popen('git log ' + os.environ['REF']).read()
