# expect: python.os_system low
# note: os.system handed over with a command the patch shows is an advisory
# path: app/tty.py
import atexit, os

atexit.register(os.system, "stty sane")
