package nat

import (
	"errors"
	"strconv"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrProto means a protocol name or number is not one netcalc
	// simulates.
	ErrProto = errors.New("nat: unknown protocol")
	// ErrConntrackSyntax means a line is not in `conntrack -L` format.
	ErrConntrackSyntax = errors.New("nat: not a conntrack line")
)

// ConntrackError describes why ParseConn rejected a line: Token is the
// offending field (quoted in the message), Msg what was expected.
type ConntrackError struct {
	Token string
	Msg   string
}

// Error returns `nat: conntrack line: "TOKEN": MSG`.
func (e *ConntrackError) Error() string {
	return "nat: conntrack line: " + strconv.Quote(e.Token) + ": " + e.Msg
}

// Unwrap returns ErrConntrackSyntax.
func (e *ConntrackError) Unwrap() error { return ErrConntrackSyntax }
