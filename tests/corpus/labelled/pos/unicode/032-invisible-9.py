# expect: unicode.invisible high
# path: app/perm.py
is_admin = False
is_admin‍ = True
if is_admin‍:
    grant()
