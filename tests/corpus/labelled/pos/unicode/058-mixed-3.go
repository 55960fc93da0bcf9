# expect: unicode.mixed_script medium
# path: pkg/user.go
var UsеrName = "root"
