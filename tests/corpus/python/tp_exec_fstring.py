# expect: python.eval_exec low
# note: issue 10: no outside data reaches the call here (no input, request, argv, environment,
# note: network or upload source on the line or in a name assigned from one): an advisory.
# note: an f-string is not a literal
# path: app/plugin.py
exec(f"import {name}")
