package netcalc

import (
	"errors"
	"fmt"
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
func (e *ParseError) Error() string { return "netcalc: " + e.Message() }

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(input string, sentinel error, msg string) error {
	return &ParseError{Input: input, Msg: msg, Err: sentinel}
}

// Message returns the message of the ParseError without the package
// prefix: the quoted token and what was wrong, as a command shows it.
func (e *ParseError) Message() string { return strconv.Quote(cut(e.Input)) + ": " + e.Msg }

// Error is a calculation on a valid value that cannot be done: an address
// past the end of its family, a prefix that does not fit, a MAC of the
// wrong size. Value is the value the calculation worked on as the package
// writes it (10.0.0.1, 2001:db8::/48), or "" when Msg names its values
// itself; Msg says what was wrong and what was expected, without the
// package name or the sentinel's words; Err is the sentinel (ErrOutOfRange,
// ErrFamily, ErrPrefixLength, ...).
type Error struct {
	Value string
	Msg   string
	Err   error
}

// Error returns "netcalc: VALUE: MSG: SENTINEL" ("netcalc: MSG: SENTINEL"
// without a Value).
func (e *Error) Error() string { return "netcalc: " + e.Message() + ": " + e.Err.Error() }

// Message returns "VALUE: MSG" (MSG without a Value): the error without the
// package prefix and the sentinel's words, as a command shows it.
func (e *Error) Message() string {
	if e.Value == "" {
		return e.Msg
	}
	return e.Value + ": " + e.Msg
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

// calcErr returns an *Error about value (may be "") wrapping sentinel.
func calcErr(sentinel error, value string, format string, args ...any) error {
	return &Error{Value: value, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// Message returns what went wrong in err for a person: for an error of
// this package (a *ParseError, *Error, *ListError, *NoFitError or planner
// error, the first in err's chain of single wrappers, which should add no
// words) its message without the "netcalc: " prefix and without the
// sentinel's name (which only repeats the kind); for any other error,
// err.Error(). Errors of other packages are left alone, whatever methods
// they have.
func Message(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch t := e.(type) {
		case *ParseError:
			return t.Message()
		case *Error:
			return t.Message()
		case *ListError:
			return t.Message()
		case *NoFitError:
			return t.Message()
		case *planError:
			return t.Message()
		}
	}
	return err.Error()
}
