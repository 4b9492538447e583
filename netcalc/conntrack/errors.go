package conntrack

import (
	"errors"
	"strconv"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrSyntax means a line is not in `conntrack -L` format; the error
	// is a *SyntaxError.
	ErrSyntax = errors.New("conntrack: not a conntrack line")
	// ErrFlags means a TCP flag list names an unknown flag.
	ErrFlags = errors.New("conntrack: unknown TCP flag")
)

// SyntaxError describes why ParseConn rejected a line: Token is the
// offending field (quoted in the message), Msg what was expected.
type SyntaxError struct {
	Token string
	Msg   string
}

// Error returns `conntrack: line: "TOKEN": MSG`.
func (e *SyntaxError) Error() string {
	return "conntrack: line: " + strconv.Quote(e.Token) + ": " + e.Msg
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }
