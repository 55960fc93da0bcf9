# expect: none
# note: a dict compared in a test, and an object's own getoutput method (IPython's shell), are no shell call
# path: pkg/tests/test_hooks.py
def test_editor(kwargs):
    assert kwargs == {"shell": True}
    assert {'shell': True} != kwargs

class Magics:
    def sx(self, cmd):
        out = self.shell.getoutput(cmd, split=False)
        return self.getoutput(cmd)
