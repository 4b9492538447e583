package resolve

import (
	"strings"
	"testing"
)

// TestCheckNameMessages checks that each invalid name is rejected with a
// message that says what is wrong and what was expected.
func TestCheckNameMessages(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"valid", "web.example.test.", ""},
		{"root", ".", ""},
		{"empty", "", "empty name, want a host name or an IP address"},
		{"two dots", "a..b", "empty label (two dots in a row or a leading dot), want 1-63 characters between dots"},
		{"long label", strings.Repeat("x", 64) + ".test", `label "xxxxxxxxxx..." of 64 characters, want at most 63`},
		{"long name", strings.Repeat("abcdefghi.", 26), "name of 259 characters, want at most 253"},
		{"space", "bad name", `character 0x20 is not allowed in a domain name (no blanks, control characters or \ " ( ) ; @ $)`},
		{"semicolon", "a;b", `character ';' is not allowed in a domain name (no blanks, control characters or \ " ( ) ; @ $)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkName(tt.in); got != tt.want {
				t.Errorf("checkName(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
