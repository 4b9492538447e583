package netcalc

import (
	"net/netip"
	"strings"
)

// ParseSpecArgs parses the address specification at the start of args,
// a command line as ipcalc reads it: "ADDR[/LEN|/MASK]" in one argument,
// or "ADDR MASK" and "ADDR LEN" in two (192.168.1.10 255.255.255.0,
// 10.0.0.1 0.0.0.255, 192.168.1.10 24). It returns the specification, the
// input as one text (the two arguments joined by a space) and how many
// arguments it used, 1 or 2, also when it fails.
//
// The second argument is taken as the mask when the first is an address
// without a length and the second is dotted like an IPv4 mask: a
// contiguous netmask or wildcard mask, one every octet of which is a mask
// octet (255.0.255.0, which ParseSpecMask then refuses as non-contiguous),
// or a broken dotted token. It is taken as a length when the first looks
// like an address and the second is a run of digits with or without a
// leading "/" ("33" is then an out-of-range length, not a new address);
// after "ADDR/LEN" such a length makes the whole an error of ParseSpec's.
// Anything else leaves the second argument alone (n is 1).
func ParseSpecArgs(args []string) (sp Spec, text string, n int, err error) {
	if len(args) == 0 {
		sp, err = ParseSpec("")
		return sp, "", 0, err
	}
	if len(args) > 1 {
		a, b := args[0], args[1]
		text = a + " " + b
		switch {
		case isLengthArg(a, b) && strings.Contains(a, "/"):
			sp, err = ParseSpec(text) // "10.0.0.1/24 8": the address already has a length
			return sp, text, 2, err
		case isMaskArg(a, b) || isLengthArg(a, b):
			sp, err = ParseSpecMask(a, b)
			return sp, text, 2, err
		}
	}
	sp, err = ParseSpec(args[0])
	return sp, args[0], 1, err
}

// isLengthArg reports whether next is a bare prefix length ("24" or "/24")
// after the address argument addr. Any run of digits counts, so that "33"
// or "024" is reported as a bad length of addr rather than as a bad
// address.
func isLengthArg(addr, next string) bool {
	return strings.ContainsAny(addr, ".:") && allDigits(strings.TrimPrefix(next, "/"))
}

// isMaskArg reports whether next is the mask of addr in the two-argument
// form: addr has no length and next is a dotted IPv4 mask (valid or not,
// so that a bad mask is reported as such).
func isMaskArg(addr, next string) bool {
	if strings.ContainsAny(addr, "/:") || strings.Contains(next, "/") || strings.Count(next, ".") != 3 {
		return false
	}
	a, err := netip.ParseAddr(next)
	if err != nil {
		return true // a broken dotted token after an address: report it as a mask
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	// a contiguous netmask (ones then zeros) or wildcard (zeros then ones)
	return v&(v+1) == 0 || (^v)&((^v)+1) == 0 || maskOctets(v)
}

// maskOctets recognises things people mean as masks but got wrong, such
// as 255.0.255.0: every octet is 0 or 255 or a mask octet.
func maskOctets(v uint32) bool {
	for i := 0; i < 4; i++ {
		switch byte(v >> (8 * i)) {
		case 0, 128, 192, 224, 240, 248, 252, 254, 255:
		default:
			return false
		}
	}
	return true
}
