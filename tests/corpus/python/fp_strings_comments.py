# expect: none
# note: names inside strings, docstrings and comments do not match
# path: app/docs.py
HELP = "never call eval(x) or os.system(cmd) or pickle.loads(data)"
# eval(user_input) would be dangerous; subprocess.run(cmd, shell=True) too
def f():
    """Explains why yaml.load(stream) and exec(code)
    are avoided; use shell=True never.
    """
    return r'pickle.load(f)' + b"exec(x)"
