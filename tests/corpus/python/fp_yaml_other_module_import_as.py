# expect: none
# path: lib/cloud/api/util.py
import cloudsdk.core.yaml as yaml

data = yaml.load_all(text)
