# expect: none
# note: the code module's interpreter on a literal, and methods of the same names on other objects with no argument
# path: tools/console.py
import code
console = code.InteractiveConsole()
console.runsource("1 + 1")
task.runcode()
class Console(code.InteractiveConsole):
    def runcode(self, code):
        return None
    def system(self, command):
        return command
