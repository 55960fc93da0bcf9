# expect: none
# path: app/util.py
import asyncio, functools, operator, os, socket, subprocess, threading
import yaml
from yaml import CSafeLoader as SafeLoader

upper = operator.methodcaller('upper')
field = getattr(settings, name.lower())
mode = getattr(obj, 'MODE'.lower())
worker = threading.Thread(target=os.path.exists, args=(path,))
cleanup = functools.partial(os.remove, path)
data = yaml.load(text, Loader=SafeLoader)

async def fetch(host):
    r, w = await asyncio.open_connection(host, 80)
    line = await r.readline()
    proc = await asyncio.create_subprocess_exec("make", "check")
    return line, proc

def serve(host):
    s = socket.create_connection((host, 80))
    log = open("log.txt", "w")
    subprocess.Popen(["/bin/sh", "scripts/report.sh"], stdout=log.fileno())
    return s
