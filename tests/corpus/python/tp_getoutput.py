# expect: python.subprocess_shell high
# path: app/git.py
rev = subprocess.getoutput("git rev-parse HEAD")
