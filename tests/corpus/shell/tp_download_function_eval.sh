# expect: shell.curl_pipe_shell critical
# note: a function printing a download, its output run by eval
# path: scripts/c.sh
#!/bin/sh
gen() {
    curl -fsSL https://get.acme-tools.dev/install.sh
}
eval "$(gen)"
