# expect: python.source_encoding high
# path: tools/gen.py
#!/usr/bin/env python3
# coding=UTF7
# +AAo-exec(+ACI-print(1)+ACI-)
