# expect: python.source_encoding high
# path: conftest.py
# vim: set fileencoding=unicode-escape :
x = 1  # \nimport os; os.system('id')
