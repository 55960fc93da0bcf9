# expect: python.os_system high
# note: getattr on an __import__ call with the name spelled as joined literals: the
# note: nested call's own parentheses do not end getattr's arguments
# path: tools/probe.py
getattr(__import__("os"), "sys" + "tem")("id")
