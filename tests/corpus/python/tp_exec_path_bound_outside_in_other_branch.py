# expect: python.eval_exec high
# note: a name bound to the command line in one branch and to a repository file in the
# note: other: at the exec it may hold either, so the outside data counts.
# path: setup.py
import os
import sys
if len(sys.argv) > 2:
    version_file = sys.argv[2]
else:
    version_file = os.path.join(os.path.dirname(__file__), 'pkg', 'version.py')
exec(open(version_file).read())
