# expect: python.eval_exec high
# note: a string earlier on the line does not hide the call after it
# path: app/x.py
msg = "eval(" ; eval(data)  # "ok"
