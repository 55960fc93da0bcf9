# expect: python.yaml_load high
# note: PyYAML (plain, vendored or ruamel) imported as yaml keeps yaml.load without a safe loader reported
# path: tools/load.py
from pip._vendor import yaml
import yaml
from ruamel import yaml
import ruamel.yaml as yaml
cfg = yaml.load(stream)
