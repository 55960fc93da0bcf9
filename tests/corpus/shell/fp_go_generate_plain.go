# expect: none
# path: internal/pill/pill.go
package pill

//go:generate stringer -type=Pill
//go:generate go run ./gen -out tables.go

// The installer docs say: curl -fsSL https://example.org/install.sh | sh
type Pill int
