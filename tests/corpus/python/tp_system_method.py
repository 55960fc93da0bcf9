# expect: python.os_system high
# note: system() called on a module object obtained at run time
# path: app/sneaky2.py
mod = load()
mod.system(cmd)
