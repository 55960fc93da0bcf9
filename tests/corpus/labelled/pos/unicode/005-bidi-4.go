# expect: unicode.bidi_control high
# path: pkg/check.go
func ok(level string) bool {
	return level != "user‮ ⁦// admin⁩ ⁦"
}
