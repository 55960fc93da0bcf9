# expect: python.eval_exec high
# path: src/pkg/loader.py
"""module docstring"""

import sys
result = eval(sys.argv[1])
print(result)
