# expect: python.os_system low
# note: issue 10: no outside data reaches the call here (no input, request, argv, environment,
# note: network or upload source on the line or in a name assigned from one): an advisory.
# path: tools/clear.py
import os
os.system("clear")
