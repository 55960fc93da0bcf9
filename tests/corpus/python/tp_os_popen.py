# expect: python.os_system medium
# note: issue 10: no outside data reaches the call here (no input, request, argv, environment,
# note: network or upload source on the line or in a name assigned from one): an advisory.
# path: tools/ver.py
out = os.popen(cmd).read()
