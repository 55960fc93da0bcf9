# expect: python.os_system high
# path: app/views.py
"""module docstring"""

from flask import request

import os
os.system(f"convert {request.files['img'].filename} out.png")
