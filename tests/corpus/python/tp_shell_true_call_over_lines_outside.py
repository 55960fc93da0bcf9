# expect: python.subprocess_shell high
# note: the command on a middle line of a call that spans lines holds outside data.
# path: app/run.py
import subprocess
subprocess.run(
    "convert " + input("file? "),
    check=True,
    shell=True,
)
