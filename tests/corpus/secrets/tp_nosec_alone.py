# expect: secrets.allow_marker medium
# note: a marker without a secret on the line is still reported (medium: below the default block_at)
# path: src/run.py
subprocess.call(cmd, shell=True)  # nosec
