# expect: none
# note: what the standard library does with exec/compile/marshal on data it built itself
# note: (collections.namedtuple, runpy, importlib) is an advisory, never a finding above low;
# note: here the calls sit in strings and comments only, so nothing at all is reported.
# path: lib/meta.py
doc = "use exec(code, namespace) to run a template"  # exec(x) in a comment
