# expect: shell.curl_pipe_shell critical
# path: ci/bootstrap.sh
#!/bin/sh
set -e
aws s3 cp s3://acme-ci-bootstrap/setup.sh - | bash
