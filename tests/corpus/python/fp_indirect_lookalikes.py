# expect: none
# note: look-alikes of indirect calls, reverse shells and downloaded files run
# path: app/service.py
import os, socket, sys, urllib.request
import pandas as pd
name = getattr(obj, "name" + suffix)
handlers = {"exec": run_exec, "system": run_system}
sock = socket.create_connection((host, port))
sock.connect((host, port))
os.dup2(log.fileno(), sys.stderr.fileno())
urllib.request.urlretrieve("https://data.example.net/prices.csv", "prices.csv")
frame = pd.read_csv("prices.csv")
print("shape", pd.read_csv("prices.csv").shape)
executor = make_executor(exec_mode, evaluate)
handlers['ex' + 'port'](data)
spec = importlib.util.spec_from_file_location('plugin', 'plugins/local_plugin.py')
