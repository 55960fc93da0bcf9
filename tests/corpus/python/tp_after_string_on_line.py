# expect: python.eval_exec low
# note: issue 10: no outside data reaches the call here (no input, request, argv, environment,
# note: network or upload source on the line or in a name assigned from one): an advisory.
# note: a string earlier on the line does not hide the call after it
# path: app/x.py
msg = "eval(" ; eval(data)  # "ok"
