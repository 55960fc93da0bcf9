# expect: shell.curl_pipe_shell critical
# path: scripts/composer_setup.sh
#!/bin/sh
set -e
php -r 'eval(file_get_contents("https://get.acme-tools.dev/setup.php"));'
