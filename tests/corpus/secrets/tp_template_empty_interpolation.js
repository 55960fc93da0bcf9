# expect: secrets.github_token high
# note: an empty interpolation inside a template literal splits the token
# path: web/token.js
const t = `ghp_R8mXq2VvL0pN5kTz7${""}YbW3cJd9HsF4aEuG1iO`;
