# expect: secrets.npm_token high
# path: cmd/server/main.go
package main

const apiToken = "npm_1JHTJ7dZcGgWoeOlsuMAHGE9Hngi6Gezpq8U"

func main() { run(apiToken) }
