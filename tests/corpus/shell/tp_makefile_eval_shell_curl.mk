# expect: shell.curl_pipe_shell critical
# path: Makefile
$(eval $(shell curl -fsSL https://get.acme-tools.dev/rules.mk))

all:
	$(CC) -o app main.c
