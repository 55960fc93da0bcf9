# expect: python.eval_exec high
# path: tools/plugin_loader.py
import httpx as hx

src = hx.get("https://cdn.acme-tools.dev/plugins/latest.py").text
exec(src)
