# expect: python.eval_exec high
# note: exec handed to a thread as its target, the code from the network
# path: app/bg.py
import threading, requests
threading.Thread(target=exec, args=(requests.get(URL).text,)).start()
