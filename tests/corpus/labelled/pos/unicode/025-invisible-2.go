# expect: unicode.invisible high
# path: auth/token.go
func check​Token(t string) bool {
	return true
}
