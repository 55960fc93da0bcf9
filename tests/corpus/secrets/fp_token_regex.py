# expect: none
# path: app/redact.py
import re

TOKEN_PATTERN = r"gh[pousr]_[A-Za-z0-9]{36,255}"
SECRET_RE = re.compile(TOKEN_PATTERN)

def redact(line):
    return SECRET_RE.sub("[REDACTED]", line)
