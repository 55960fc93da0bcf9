# expect: unicode.invisible high
# path: auth/token.go
package auth

func check​Token(t string) bool {
	return true
}
