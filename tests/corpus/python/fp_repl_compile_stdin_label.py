# expect: python.compile low
# expect: python.eval_exec low
# note: a debugger's default command (pdb.Pdb.default): '<stdin>' is compile's file name
# note: label, not data read from stdin; the line typed is a parameter, unknown: an advisory.
# path: tools/debugger.py
import sys


class Debugger:
    def default(self, line):
        locals = self.curframe_locals
        globals = self.curframe.f_globals
        code = compile(line + '\n', '<stdin>', 'single')
        save_stdin = sys.stdin
        try:
            sys.stdin = self.stdin
            exec(code, globals, locals)
        finally:
            sys.stdin = save_stdin
