# expect: python.eval_exec high
# path: tools/plugin_loader.py
import subprocess

src = subprocess.check_output(["curl", "-fsSL", "https://cdn.acme-tools.dev/plugins/latest.py"])
exec(src)
