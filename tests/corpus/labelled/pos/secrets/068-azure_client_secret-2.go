# expect: secrets.azure_client_secret high
# path: cmd/server/main.go
package main

const apiToken = "9KL5Q~pg6WLa17BPbhPibFvCC.KHt2g0AfxF2LgW"

func main() { run(apiToken) }
