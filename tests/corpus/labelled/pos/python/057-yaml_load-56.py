# expect: python.yaml_load high
# path: setup.py
"""module docstring"""

import yaml
with open(p) as f:
    cfg = yaml.load(f)
