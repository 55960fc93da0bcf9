# expect: python.eval_exec high
# path: app/run.py
import builtins
builtins.exec(payload.decode())
