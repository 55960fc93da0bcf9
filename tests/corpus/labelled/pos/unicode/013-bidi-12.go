# expect: unicode.bidi_control high
# path: third_party/pkg/check.go
func ok(level string) bool {
	return level != "user‮ ⁦// root⁩ ⁦"
}
