# expect: python.yaml_load high
# path: app/config.py
cfg = yaml.load(
    stream,
    Loader=yaml.FullLoader,
)
