package netfilter

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrSyntax means a line of iptables-save text is malformed: a
	// ParseError wraps it.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownMatch means the walker reached a rule with a match module
	// (or a built-in option) it cannot evaluate; the walker never treats
	// such a match as true.
	ErrUnknownMatch = errors.New("unknown match")
	// ErrUnknownTarget means a rule's target is neither a target the
	// walker knows nor a chain of the table.
	ErrUnknownTarget = errors.New("unknown target")
	// ErrUnsupported means a known match or target is used with an option
	// the walker does not simulate (statistic --mode nth, recent
	// --hitcount, ...), or a lookup it needs was not supplied.
	ErrUnsupported = errors.New("unsupported")
	// ErrBadValue means a rule's argument cannot be read as what its
	// option wants (an address, a port, a mark, a probability).
	ErrBadValue = errors.New("bad value")
	// ErrLoop means a jump or goto enters a chain already being walked.
	ErrLoop = errors.New("chain loop")
	// ErrNoHook means a walk asked for a table at a hook where the table
	// has no built-in chain (nat at FORWARD, raw at INPUT, ...).
	ErrNoHook = errors.New("table has no chain at this hook")
	// ErrWrite means the model cannot be written as iptables-save text
	// (a name or argument holds a newline or NUL).
	ErrWrite = errors.New("cannot be written")
)

// ParseError is a malformed line of iptables-save text: the 1-based line
// number, the offending token as written (the whole line when no single
// token is at fault) and what was expected there. Err is ErrSyntax.
type ParseError struct {
	Line     int
	Token    string
	Expected string
	Err      error
}

// Error returns `netfilter: line N: "TOKEN": EXPECTED`.
func (e *ParseError) Error() string { return "netfilter: " + e.Message() }

// Message returns the error without the package prefix:
// `line N: "TOKEN": EXPECTED`.
func (e *ParseError) Message() string {
	return "line " + strconv.Itoa(e.Line) + ": " + quote(e.Token) + ": " + e.Expected
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// WalkError is a rule the walker cannot evaluate: where it is, what in it
// is at fault (a match module, a built-in option, an option or a target,
// as written) and why. Err is one of the sentinels above.
type WalkError struct {
	Table, Chain string
	// Rule is the 0-based index of the rule in Chain, -1 when the error
	// is not about a rule (a missing chain).
	Rule int
	// What is the match, option or target at fault.
	What string
	// Detail says what was expected; may be empty.
	Detail string
	Err    error
}

// Error returns "netfilter: TABLE CHAIN rule N: WHAT: ERR[: DETAIL]".
func (e *WalkError) Error() string {
	s := "netfilter: " + e.Table + " " + e.Chain
	if e.Rule >= 0 {
		s += " rule " + strconv.Itoa(e.Rule+1)
	}
	s += ": " + quote(e.What) + ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns Err.
func (e *WalkError) Unwrap() error { return e.Err }

// maxQuoted is how many characters of a bad token an error quotes.
const maxQuoted = 80

// quote quotes s for an error message, cut to 80 characters with "…".
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		n := 0
		for i := range s {
			if n == maxQuoted {
				s = s[:i] + "…"
				break
			}
			n++
		}
	}
	return fmt.Sprintf("%q", s)
}
