# expect: python.dynamic_import medium
# path: app/plugins.py
mod = importlib.import_module("plugins." + name)
m2 = __import__(modname)
