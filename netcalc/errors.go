package netcalc

import (
	"errors"
	"strconv"
)

// Sentinel errors wrapped by ParseError; test for them with errors.Is.
var (
	// ErrEmpty means the input was empty or only white space.
	ErrEmpty = errors.New("empty input")
	// ErrSyntax means the input is not an IP address, prefix or mask in any
	// accepted form.
	ErrSyntax = errors.New("syntax error")
	// ErrLeadingZero means an IPv4 octet was written with a leading zero,
	// which inet_aton reads as octal and others read as decimal
	// (CVE-2021-29921), so netcalc refuses to guess.
	ErrLeadingZero = errors.New("leading zero")
	// ErrOctetRange means an IPv4 octet is above 255.
	ErrOctetRange = errors.New("octet out of range")
	// ErrPrefixLength means a prefix length is out of range for the
	// address family (0-32 for IPv4, 0-128 for IPv6).
	ErrPrefixLength = errors.New("prefix length out of range")
	// ErrMask means a dotted mask is neither a contiguous netmask nor a
	// contiguous wildcard (inverse) mask.
	ErrMask = errors.New("non-contiguous mask")
	// ErrZone means an IPv6 zone appeared where none is allowed.
	ErrZone = errors.New("zone not allowed")
)

// ParseError describes why an input could not be parsed. Input is the
// whole token as given; Msg says what was wrong and what was expected; Err
// is one of the sentinel errors above.
type ParseError struct {
	Input string
	Msg   string
	Err   error
}

// Error returns `netcalc: "INPUT": MSG`.
func (e *ParseError) Error() string {
	return "netcalc: " + strconv.Quote(cut(e.Input)) + ": " + e.Msg
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(input string, sentinel error, msg string) error {
	return &ParseError{Input: input, Msg: msg, Err: sentinel}
}
