# expect: secrets.github_token high
# note: String.prototype.concat joins literals at run time
# path: lib/token.js
const ghValue = "ghp_R7nX2qLmV9sK4t".concat("PzW8yB3cD6fH1jA5eG0uNo");
