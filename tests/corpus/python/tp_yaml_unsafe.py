# expect: python.yaml_load high
# path: app/config.py
cfg = yaml.unsafe_load(text)
