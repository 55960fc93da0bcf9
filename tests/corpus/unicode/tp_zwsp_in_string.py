# expect: unicode.invisible medium
# note: an invisible character where no name is: reported, not blocking
# path: app/urls.py
ALLOWED = [
    "https://example.org/​",
]
