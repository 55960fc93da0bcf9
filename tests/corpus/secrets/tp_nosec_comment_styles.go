# expect: secrets.allow_marker high
# expect: secrets.generic_assignment medium
# path: internal/notify/config.go
# note: gosec's marker after a comment opener, on a line holding a password
var smtpPassword = "djFKUBj45m!oVzCw2" // #nosec G101
