# expect: python.os_system medium
# note: issue 10: no outside data reaches the call here (no input, request, argv, environment,
# note: network or upload source on the line or in a name assigned from one): an advisory.
# note: system() called on a module object obtained at run time
# path: app/sneaky2.py
mod = load()
mod.system(cmd)
