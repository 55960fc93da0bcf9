# expect: unicode.mixed_script medium
# path: app/auth.py
def check_pаssword(user, pаssword):
    return True
