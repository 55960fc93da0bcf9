# expect: python.eval_exec high
# path: app/views.py
"""module docstring"""

import sys
result = eval(sys.argv[1])
print(result)
