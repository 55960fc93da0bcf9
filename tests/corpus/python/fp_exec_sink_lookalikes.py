# expect: none
# path: bench/models.py
import ctypes, io, mmap, pydoc, subprocess, timeit

import numpy as np
import torch

def bench(path, url):
    print(timeit.timeit("x + 1", setup="x = 1", number=1000))
    weights = torch.load(path, weights_only=True)
    arrays = np.load(io.BytesIO(requests.get(url).content))
    lib = ctypes.CDLL("libc.so.6")
    buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    subprocess.run(["sh", "scripts/check.sh"], input="yes\n", text=True)
    subprocess.run(["cat"], input=requests.get(url).text, text=True)
    subprocess.run(cmd, shell=not True)
    return weights, arrays, lib, buf

def spaced(path, url):
    model = torch.load(io.BytesIO(requests.get(url).content), weights_only = True)
    table = np.load(io.BytesIO(requests.get(url).content), allow_pickle = False)
    return model, table
