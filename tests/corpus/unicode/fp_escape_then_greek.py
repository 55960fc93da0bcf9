# expect: none
# note: a Greek letter after an escape's digits is not in a Latin word
# path: lib/casefix.py
    0x1fbe: (0x0345, 0x03b9), # 'ι': '\u0345ι'
