# expect: shell.curl_pipe_shell critical
# path: ci/bootstrap.sh
#!/bin/sh
set -e
gsutil cat gs://acme-bootstrap/init.sh | sh
