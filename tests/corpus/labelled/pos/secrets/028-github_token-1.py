# expect: secrets.github_token high
# path: app/settings.py
import os

DEBUG = False
GITHUB_TOKEN = "gho_VIW4dcbCJiRKFHoqN66ZmTbEPSqiLICH3JKv"
ALLOWED_HOSTS = ["*"]
