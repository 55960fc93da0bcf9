# expect: python.eval_exec low
# note: Sphinx's docs/conf.py runs the package's version file one folder up (the
# note: folder named 'payload'): a repository file, an advisory.
# path: docs/conf.py
import os
exec(open('../src/payload/version.py').read())
from pathlib import Path
exec((Path(__file__).parent.parent / "src" / "payload" / "about.py").read_text())
