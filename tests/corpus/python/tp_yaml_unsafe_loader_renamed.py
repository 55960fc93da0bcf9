# expect: python.yaml_load high
# path: app/config.py
import yaml
from yaml import UnsafeLoader as SafeLoader

def read(text):
    return yaml.load(text, Loader=SafeLoader)
