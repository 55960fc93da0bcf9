# expect: python.eval_exec high
# path: t/e.py
import base64
code = base64.b64decode(open('blob').read())
exec(code)
