package netcalc

import (
	"errors"
	"net/netip"
	"strings"
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

// FuzzParseSpecArgs checks that ParseSpecArgs never panics, uses one or
// two arguments, reports the text it read, and agrees with ParseSpec or
// ParseSpecMask on that text.
func FuzzParseSpecArgs(f *testing.F) {
	f.Add("192.168.1.10", "255.255.255.0") // netmask as a second argument
	f.Add("10.0.0.1", "0.0.0.255")         // wildcard mask
	f.Add("10.0.0.1", "255.0.255.0")       // octets of masks, not contiguous
	f.Add("10.0.0.1/24", "8")              // a length after a length
	f.Add("2001:db8::1", "/64")            // IPv6 with a slash length apart
	f.Add("10.0.0.1", "10.0.0.2")          // two addresses: the second is left alone
	f.Add("fe80::1%eth0", "64")            // zone, then a length
	f.Add("10.0.0.1", "1.2.3.4.5")         // too many dots for a mask
	f.Fuzz(func(t *testing.T, a, b string) {
		sp, text, n, err := ParseSpecArgs([]string{a, b})
		switch n {
		case 1:
			want, werr := ParseSpec(a)
			if text != a || sp != want || (err == nil) != (werr == nil) {
				t.Fatalf("ParseSpecArgs(%q, %q) = %v %q 1 %v; ParseSpec(%q) = %v %v", a, b, sp, text, err, a, want, werr)
			}
		case 2:
			if text != a+" "+b {
				t.Fatalf("ParseSpecArgs(%q, %q) text = %q", a, b, text)
			}
			want, werr := ParseSpecMask(a, b)
			if strings.Contains(a, "/") {
				want, werr = ParseSpec(text)
			}
			if sp != want || (err == nil) != (werr == nil) {
				t.Fatalf("ParseSpecArgs(%q, %q) = %v %v; want %v %v", a, b, sp, err, want, werr)
			}
		default:
			t.Fatalf("ParseSpecArgs(%q, %q) used %d arguments", a, b, n)
		}
	})
}
