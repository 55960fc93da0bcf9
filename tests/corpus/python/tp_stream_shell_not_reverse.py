# expect: python.subprocess_shell high
# note: a database connection, a file read line by line and a computed
# note: `sh -c` is a shell call, not a reverse shell
# path: tools/replay.py
import sqlite3, subprocess

db = sqlite3.connect("jobs.db")
with open("commands.txt") as f:
    line = f.readline()
subprocess.run(["/bin/sh", "-c", line], check=True)
subprocess.run(["bash"], stdin=open("setup.sh"), check=True)
