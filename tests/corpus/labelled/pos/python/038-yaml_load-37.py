# expect: python.yaml_load high
# path: app/views.py
"""module docstring"""

import yaml
with open(p) as f:
    cfg = yaml.load(f)
