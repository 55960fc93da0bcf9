# expect: python.eval_exec high
# note: a path from the command line, even under a name a setup.py uses for its folder:
# note: rebinding `here` makes it unknown again, and sys.argv is outside data.
# path: setup.py
import os
import sys
here = os.path.dirname(__file__)
here = sys.argv[1]
exec(open(os.path.join(here, 'version.py')).read())
