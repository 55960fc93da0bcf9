# expect: python.eval_exec high
# note: an f-string is not a literal
# path: app/plugin.py
exec(f"import {name}")
