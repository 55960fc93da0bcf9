# expect: none
# path: app/auth.py
token = os.environ["GITHUB_TOKEN"]
password = getpass.getpass()
api_key = settings.API_KEY
secret = load_secret(name="prod/db")
if token == "abc123def456ghi789jkl":
    pass
author = "Jane Q. Public <jane@example.org>"
tokenizer = "bert-base-multilingual-cased-v2"
token_type = "refresh_token"
password_field = "password_input_widget"
PASSWORD_MIN_LENGTH = 12
auth_url = "https://auth.example.com/oauth2/v1/token"
credentials_path = "/var/run/secrets/kubernetes.io/serviceaccount"
