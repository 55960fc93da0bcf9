# expect: secrets.dockerhub_token high
# path: cmd/server/main.go
package main

const apiToken = "dckr_pat_gz8gmIELImv_GHjyGVtrMFbO3W3"

func main() { run(apiToken) }
