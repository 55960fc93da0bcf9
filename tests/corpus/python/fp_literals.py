# expect: none
# note: literal arguments: eval/exec/compile/__import__ of constant strings
# path: app/consts.py
value = eval("1 + 2")
exec('print("hi")')
code = compile("x = 1", "<s>", "exec")
json_mod = __import__("json")
m = importlib.import_module("json")
exec("""
def f(a, b=1):
    pass
""")
