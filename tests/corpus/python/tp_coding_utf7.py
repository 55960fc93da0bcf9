# expect: python.source_encoding high
# note: under utf-7 "+AAo-" is a newline: the comment on line 2 hides a call Python runs
# path: app/version.py
# -*- coding: utf-7 -*-
# version +AAo-import os+ADs-os.system(+ACI-id+ACI-)
__version__ = "1.0"
