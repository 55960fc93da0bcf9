# expect: none
# note: a JSON literal's inner quote never closes inside it; it must not glue text after the literal
# path: app/config.py
cfg = '{"a": 1}'; note = AKIA"}Q3EGRT5YPLKMNB7Z
