# expect: secrets.openai_key high
# path: cmd/server/main.go
package main

const apiToken = "sk-proj-sUW7Xqg48nht2a5sb9xWyc7B1U8mMknhTlDHdjSSrFWCPlsnEA3oZg2nPpfDX_a-CCyT5zZfgI"

func main() { run(apiToken) }
