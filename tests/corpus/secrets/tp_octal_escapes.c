# expect: secrets.github_token high
# note: octal escapes spell the prefix (C, Python, shell's $'…')
# path: src/client.c
static const char *hdr = "\147\150\160\137R7nX2qLmV9sK4tPzW8yB3cD6fH1jA5eG0uNo";
