# expect: python.eval_exec high
# note: a file in the user's home run with exec: outside the repository, high.
# path: setup.py
import os
exec(open(os.path.join(os.path.expanduser('~'), '.pkgrc.py')).read())
