package netcalc

import (
	"errors"
	"testing"
)

func TestParseLength(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"24", 24, true}, {"/24", 24, true}, {"0", 0, true}, {"/128", 128, true}, {"024", 24, true},
		{"", 0, false}, {"/", 0, false}, {"//24", 0, false}, {"+24", 0, false}, {"-1", 0, false}, {" 24", 0, false},
		{"2 4", 0, false}, {"1_0", 0, false}, {"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		if got, ok := ParseLength(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseLength(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"0", "0", nil}, {"50", "50", nil},
		{"340282366920938463463374607431768211456", "340282366920938463463374607431768211456", nil},
		{"340282366920938463463374607431768211457", "", ErrOutOfRange},
		{"9999999999999999999999999999999999999999999999999", "", ErrOutOfRange},
		{"", "", ErrSyntax}, {"-1", "", ErrSyntax}, {"1e3", "", ErrSyntax}, {"0x10", "", ErrSyntax},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if !errors.Is(err, tt.err) || (err == nil && got.String() != tt.want) {
			t.Errorf("ParseCount(%q) = %s, %v; want %s, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
