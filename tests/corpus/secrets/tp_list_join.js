# expect: secrets.github_token high
# path: app/settings.js
const t = ['ghp_R8mXq2VvL0pN5kTz', '7YbW3cJd9HsF4aEuG1iO'].join('');
