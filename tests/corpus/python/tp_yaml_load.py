# expect: python.yaml_load high
# path: app/config.py
import yaml
cfg = yaml.load(open(path))
