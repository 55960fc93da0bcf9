# expect: python.decode_exec critical
# note: source text spelled as character codes (map(chr, …), bytes([…]).decode())
# path: tools/bootstrap.py
exec("".join(map(chr, [105, 109, 112, 111, 114, 116, 32, 111, 115])))
eval(bytes([95, 95, 105, 109, 112, 111, 114, 116, 95, 95]).decode())
