# expect: secrets.github_token high
# expect: secrets.generic_assignment medium
# note: PHP joins strings with `.`, the key-named rule sees the joined value
# path: src/Client.php
<?php
$token = 'ghp_R8mXq2VvL0pN5kTz' . 'YbW3cJd9HsF4aEuG1iO7';
$password = "Qz8#vLr2" . "Tm9!pXw4Kd7s";
