# expect: secrets.github_token high
# path: scripts/sync_labels.py
import requests

HEADERS = {"Authorization": "Basic ZGVwbG95LWJvdDpnaHBfOWpZZzdTampQdnR0ZmJmTUxadVBqSUk0T29hUW16QmlubnB5"}  # bot account

def labels(repo):
    return requests.get(f"https://api.github.com/repos/{repo}/labels", headers=HEADERS).json()
