# expect: python.source_encoding high
# path: tools/gen.py
#!/usr/bin/env python3
# vim: set fileencoding=unicode-escape :
x = 1  # \nimport os; os.system("id")
