# expect: none
# path: app/fixtures.py
ICON = {"png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}  # 1x1 pixel
GREETING = "SGVsbG8sIHdvcmxkISBUaGlzIGlzIGp1c3QgYSBncmVldGluZy4="  # "Hello, world! ..."
CONFIG = {"auths":{"registry.example.com":{"auth":"${REGISTRY_AUTH}"}}}
