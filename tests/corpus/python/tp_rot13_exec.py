# expect: python.decode_exec critical
# path: tools/g.py
import codecs
exec(codecs.decode('vzcbeg bf; bf.flfgrz("vq")', 'rot13'))
