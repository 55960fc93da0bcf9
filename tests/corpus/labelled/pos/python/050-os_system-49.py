# expect: python.os_system high
# path: src/pkg/loader.py
"""module docstring"""

from flask import request

import os
os.system(f"convert {request.files['img'].filename} out.png")
