# expect: python.eval_exec low
# expect: python.compile low
# note: setup.py runs a file of its own repository to read the version (requests' setup.py:
# note: its folder is named 'requests'): no more than an import, an advisory, not high.
# path: setup.py
import os
import sys
from setuptools import setup

here = os.path.abspath(os.path.dirname(__file__))
about = {}
with open(os.path.join(here, "requests", "__version__.py"), "r", encoding="utf-8") as f:
    exec(f.read(), about)

exec(open(os.path.join(here, 'requests', '__init__.py')).read(), about)

version_ns = {}
path = os.path.join(os.path.dirname(__file__), "userpath", "_version.py")
exec(compile(open(path).read(), path, 'exec'), version_ns)

if sys.argv[-1] == "publish":
    sys.exit()

setup(name="requests", version=about["__version__"])
