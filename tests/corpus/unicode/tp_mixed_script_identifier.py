# expect: unicode.mixed_script medium
# note: a Cyrillic U+0430 in a Latin name
# path: app/auth.py
def check_pаssword(user, pаssword):
    return user.password == pаssword
