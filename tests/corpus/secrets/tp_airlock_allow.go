# expect: secrets.allow_marker high
# expect: secrets.slack_token high
# path: cmd/notify/main.go
const tok = "xoxp-1234567890-0987654321-abcdef123456" // airlock:allow
