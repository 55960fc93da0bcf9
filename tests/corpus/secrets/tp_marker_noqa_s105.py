# expect: secrets.generic_assignment medium
# expect: secrets.allow_marker high
# path: app/settings.py
DB_PASSWORD = "mOIAAO3gni#HOhU3h"  # noqa: S105
