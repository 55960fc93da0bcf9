# expect: python.compile medium
# expect: python.eval_exec high
# note: compile's source read from stdin (not only named in its label): outside data.
# path: tools/run.py
import sys
code = compile(sys.stdin.read(), '<stdin>', 'exec')
exec(code)
