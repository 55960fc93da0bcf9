# expect: unicode.invisible high
# note: is_admin and is_admin<ZWJ> are two names that look the same (CVE-2021-42694)
# path: app/perm.py
is_admin = False
is_admin‍ = True

if is_admin‍:
    grant()
