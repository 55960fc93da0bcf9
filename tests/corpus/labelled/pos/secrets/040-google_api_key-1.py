# expect: secrets.google_api_key high
# path: app/settings.py
import os

DEBUG = False
GOOGLE_API_KEY = "AIzaK-c0z-AGcvTOxnbZZGy3qA0ASs2pZSUSOkA"
ALLOWED_HOSTS = ["*"]
