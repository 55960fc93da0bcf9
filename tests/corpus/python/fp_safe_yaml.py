# expect: none
# path: app/config.py
cfg = yaml.load(stream, Loader=yaml.SafeLoader)
cfg2 = yaml.safe_load(stream)
docs = yaml.load_all(stream, Loader=yaml.CSafeLoader)
cfg3 = yaml.load(
    stream,
    Loader=SafeLoader,
)
