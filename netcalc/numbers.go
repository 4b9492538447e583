package netcalc

import "strconv"

// ParseLength reads a prefix length written on its own, "24" or "/24":
// decimal digits only (no sign, no space), after at most one "/". It
// reports false for anything else and for a number too large for an int;
// the range check is the caller's, as it depends on the family and the
// use (a split, a random subnet, a ULA).
func ParseLength(s string) (int, bool) {
	t := s
	if len(t) > 0 && t[0] == '/' {
		t = t[1:]
	}
	if !allDigits(t) {
		return 0, false
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, false
	}
	return n, true
}

// ParseCount reads a count of addresses, hosts or subnets: decimal digits
// only, 0 to 2^128. It fails with a *ParseError wrapping ErrSyntax for
// anything but digits and ErrOutOfRange above 2^128, the size of the
// whole IPv6 space.
func ParseCount(s string) (Count, error) {
	var n Count
	if !allDigits(s) {
		return n, parseErr(s, ErrSyntax, "not a whole number, want decimal digits")
	}
	if n.UnmarshalText([]byte(s)) != nil {
		return n, parseErr(s, ErrOutOfRange, "more than 2^128, the whole IPv6 space")
	}
	return n, nil
}
