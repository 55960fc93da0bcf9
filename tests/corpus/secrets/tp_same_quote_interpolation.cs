# expect: secrets.github_token high
# note: C# interpolation holes may hold a literal with the enclosing quote
# path: src/Settings.cs
var token = $"ghp_{"R7nX2qLmV9sK4t"}PzW8yB3cD6fH1jA5eG0uNo";
