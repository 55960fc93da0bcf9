# expect: python.compile medium
# path: app/tmpl.py
code = compile(source, "<tmpl>", "exec")
