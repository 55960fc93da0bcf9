# expect: python.os_system high
# path: tools/runner.py
import functools, os

run = functools.partial(os.system, user_cmd)
run()
