package netcalc

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseSpecArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		prefix  string
		mask    MaskForm
		text    string
		n       int
		wantErr error
	}{
		{"one argument", []string{"192.168.1.10/24", "10.0.0.1"}, "192.168.1.10/24", MaskLength, "192.168.1.10/24", 1, nil},
		{"netmask", []string{"192.168.1.10", "255.255.255.0"}, "192.168.1.10/24", MaskNetmask, "192.168.1.10 255.255.255.0", 2, nil},
		{"wildcard", []string{"10.0.0.1", "0.0.0.255"}, "10.0.0.1/24", MaskWildcard, "10.0.0.1 0.0.0.255", 2, nil},
		{"length", []string{"192.168.1.10", "24"}, "192.168.1.10/24", MaskLength, "192.168.1.10 24", 2, nil},
		{"slash length", []string{"2001:db8::1", "/64"}, "2001:db8::1/64", MaskLength, "2001:db8::1 /64", 2, nil},
		{"all-ones is a netmask", []string{"10.0.0.1", "255.255.255.255"}, "10.0.0.1/32", MaskNetmask, "10.0.0.1 255.255.255.255", 2, nil},
		{"second address stays apart", []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.1/32", MaskImplicit, "10.0.0.1", 1, nil},
		{"IPv6 address then dotted", []string{"2001:db8::1", "255.255.255.0"}, "2001:db8::1/128", MaskImplicit, "2001:db8::1", 1, nil},
		{"non-contiguous mask", []string{"10.0.0.1", "255.0.255.0"}, "", "", "10.0.0.1 255.0.255.0", 2, ErrMask},
		{"broken mask", []string{"10.0.0.1", "255.255.255.256"}, "", "", "10.0.0.1 255.255.255.256", 2, ErrOctetRange},
		{"length out of range", []string{"10.0.0.1", "33"}, "", "", "10.0.0.1 33", 2, ErrPrefixLength},
		{"length after a length", []string{"10.0.0.1/24", "8"}, "", "", "10.0.0.1/24 8", 2, ErrSyntax},
		{"word is not a length", []string{"example", "24"}, "", "", "example", 1, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, text, n, err := ParseSpecArgs(tt.args)
			if text != tt.text || n != tt.n {
				t.Errorf("ParseSpecArgs(%q) text, n = %q, %d; want %q, %d", tt.args, text, n, tt.text, tt.n)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("ParseSpecArgs(%q) error = %v; want %v", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || sp.Prefix != netip.MustParsePrefix(tt.prefix) || sp.Mask != tt.mask {
				t.Errorf("ParseSpecArgs(%q) = %v %s, %v; want %s %s", tt.args, sp.Prefix, sp.Mask, err, tt.prefix, tt.mask)
			}
		})
	}
}
