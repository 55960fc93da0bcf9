# expect: python.source_encoding high
# path: setup.py
# -*- coding: raw_unicode_escape -*-
# note \u000aimport subprocess
