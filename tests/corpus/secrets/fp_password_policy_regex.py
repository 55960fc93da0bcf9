# expect: none
# path: app/validators.py
import re

PASSWORD_PATTERN = r"^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[!@#$%^&*]).{12,64}$"

def strong(p):
    return re.match(PASSWORD_PATTERN, p) is not None
