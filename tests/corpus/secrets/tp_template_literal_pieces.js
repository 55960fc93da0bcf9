# expect: secrets.github_token high
# note: a template literal made of interpolated literal pieces
# path: app/settings.js
const t = `${'ghp_R8mXq2VvL0p'}${'N5kTz7YbW3cJd9HsF4aEuG1iO'}`;
