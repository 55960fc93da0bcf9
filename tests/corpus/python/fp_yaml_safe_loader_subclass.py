# expect: none
# note: a Loader whose name says Safe (a SafeLoader subclass) or ruamel's RoundTripLoader constructs no objects
# path: tools/ordered.py
import yaml
from ruamel import yaml as ryaml

class SafeOrderedLoader(yaml.SafeLoader):
    pass

def load(stream):
    return yaml.load(stream, SafeOrderedLoader)

def load_rt(stream):
    return yaml.load(stream, Loader=yaml.RoundTripLoader)
