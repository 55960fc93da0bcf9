# expect: secrets.allowed info
# note: issue 10: the documented convention allows a GUESSED secret (generic, JWT): the
# note: finding becomes secrets.allowed (info, kept in the audit trail), nothing else
# path: tests/conftest.py
# airlock:allow secrets.generic_assignment -- password of the throwaway test database
db_password = "Xk29vLq7Rt4Wm8Zp"
