# expect: secrets.shopify_token high
# path: app/settings.py
import os

DEBUG = False
SHOPIFY_ACCESS_TOKEN = "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"
ALLOWED_HOSTS = ["*"]
