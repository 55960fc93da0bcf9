# expect: none
# note: escapes, empty interpolations, empty quotes and literals continued over lines in ordinary text
# path: app/text.py
MSG = "caf\u00e9 \x41BC menu"
SQL = ("SELECT id, token_type FROM sessions "
       "WHERE expires_at < now()")
PATTERN = r"\x2d\x2d"
label = f"{name}" "-" f"{suffix}"
greeting = ("Hello, " +
            "world")
