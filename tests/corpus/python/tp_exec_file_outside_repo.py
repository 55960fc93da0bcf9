# expect: python.eval_exec high
# note: a file under /tmp (anyone may write it) run with exec: outside data, high.
# path: setup.py
exec(open('/tmp/pkg_version.py').read())
