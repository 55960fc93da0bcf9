# expect: none
# note: exec/eval/loads fetched by getattr and bound to a name, not called (six's exec_, a class's eval method, a codec's loads)
# path: pkg/compat.py
from six import moves
exec_ = getattr(moves.builtins, "exec")
eval_ = getattr(cls, 'eval', cls)
loads = getattr(module, 'loads')
