# expect: python.subprocess_shell high
# note: shell=True on a later line of the call
# path: app/jobs.py
proc = subprocess.Popen(
    command,
    stdout=subprocess.PIPE,
    shell = True,
)
