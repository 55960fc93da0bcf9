# expect: secrets.github_token high
# note: SQL's || joins two literals (also Oracle, SQLite, PostgreSQL)
# path: db/seed.sql
INSERT INTO settings (name, value) VALUES ('gh_token', 'ghp_R7nX2qLmV9' || 'sK4tPzW8yB3cD6fH1jA5eG0uNo');
