# expect: python.os_system high
# note: the name given to getattr as joined literals
# path: app/getattr_joined_name.py
import os
getattr(os, "sys" + "tem")(request.args["c"])
