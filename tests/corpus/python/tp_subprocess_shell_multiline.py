# expect: python.subprocess_shell medium
# note: shell=True on a later line of the call is found; every line of the call is in the
# note: patch and the command is computed from nothing outside: medium, as on one line
# note: (tp_shell_true_call_over_lines_outside.py: outside data on a middle line is high)
# path: app/jobs.py
proc = subprocess.Popen(
    command,
    stdout=subprocess.PIPE,
    shell = True,
)
