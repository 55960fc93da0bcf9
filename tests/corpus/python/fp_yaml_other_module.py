# expect: none
# note: a module named yaml that is not PyYAML (another package's wrapper): its load is its own
# path: lib/cloud/surface/config.py
from cloudsdk.core import yaml
from cloudsdk.core import files

def read(path):
    with files.FileReader(path) as f:
        return yaml.load(f)
