# expect: none
# path: app/messages.py
MSG = "می‌خواهم"
