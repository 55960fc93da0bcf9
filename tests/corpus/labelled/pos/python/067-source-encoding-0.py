# expect: python.source_encoding high
# path: app/version.py
# -*- coding: utf-7 -*-
# check +AAo-import os+ADs-os.system(+ACI-id+ACI-)
