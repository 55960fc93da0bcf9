# expect: none
# path: app/forms.py
PASSWORD_FIELD = "password"  # noqa: S105
RESET_URL = "/accounts/password/reset/"  # nosemgrep: python.django.security.audit.unvalidated-password
TOKEN_TYPE = "bearer"  # noqa: S105, E501
import pickle  # noqa: S403
