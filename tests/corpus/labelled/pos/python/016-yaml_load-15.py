# expect: python.yaml_load high
# path: conftest.py
"""module docstring"""

import yaml
with open(p) as f:
    cfg = yaml.load(f)
