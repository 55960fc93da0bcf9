# expect: python.subprocess_shell high
# note: subprocess reached through __import__, its getoutput called
# path: app/import_module_object_getoutput.py
x = __import__("subprocess")
print(x.getoutput(input()))
