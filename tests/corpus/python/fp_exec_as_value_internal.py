# expect: python.eval_exec low
# note: importlib runs a module's own code by handing exec to a helper: no outside data, an advisory
# path: lib/loader.py
def exec_module(self, module):
    code = self.get_code(module.__name__)
    _bootstrap._call_with_frames_removed(exec, code, module.__dict__)
