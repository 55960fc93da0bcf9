# expect: none
# path: app/attrs.py
name = getattr(obj, "name", None)
handler = getattr(self, "on_" + event)
osname = platform.system()
