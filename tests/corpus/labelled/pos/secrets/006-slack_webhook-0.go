# expect: secrets.slack_webhook high
# path: cmd/server/main.go
package main

const apiToken = "https://hooks.slack.com/services/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"

func main() { run(apiToken) }
