# expect: python.dynamic_import low
# note: issue 10: no outside data reaches the call here (no input, request, argv, environment,
# note: network or upload source on the line or in a name assigned from one): an advisory.
# path: app/plugins.py
mod = importlib.import_module("plugins." + name)
m2 = __import__(modname)
