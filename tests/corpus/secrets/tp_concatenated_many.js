# expect: secrets.github_token high
# note: forty joins earlier on the line (more than the joiner records at
# note: once) do not hide the one that splits the token
# path: web/config.js
var pad = "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a" + "a"; const k = "ghp_R8mXq2VvL0pN5kTz7" + "YbW3cJd9HsF4aEuG1iO";
