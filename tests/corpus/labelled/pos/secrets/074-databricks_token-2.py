# expect: secrets.databricks_token high
# path: app/settings.py
import os

DEBUG = False
DATABRICKS_TOKEN = "dapi3ab03b6d580677e37b75195bbd353d28"
ALLOWED_HOSTS = ["*"]
