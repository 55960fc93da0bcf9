# expect: python.os_system high
# expect: python.eval_exec high
# expect: python.dynamic_import medium
# note: aliases through getattr and a module object returned by import_module
# path: app/sneaky.py
getattr(os, "system")(cmd)
f = getattr(builtins, 'eval')
importlib.import_module("o" + "s").system(payload)
