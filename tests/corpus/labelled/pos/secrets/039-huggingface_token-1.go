# expect: secrets.huggingface_token high
# path: cmd/server/main.go
package main

const apiToken = "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"

func main() { run(apiToken) }
