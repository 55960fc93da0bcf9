# expect: python.yaml_load high
# path: tools/run.py
"""module docstring"""

import yaml
with open(p) as f:
    cfg = yaml.load(f)
