package resolve

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors wrapped by LookupError and NameError; test for them with
// errors.Is.
var (
	// ErrNotFound means the name does not exist: every candidate name got
	// NXDOMAIN (or NODATA for none of them) and the hosts file does not know it.
	ErrNotFound = errors.New("no such host")
	// ErrNoData means the name exists but has no records of the requested
	// types (NOERROR with an empty answer, "NODATA").
	ErrNoData = errors.New("no records of the requested type")
	// ErrServerFailure means no server gave a usable answer: every try timed
	// out or got SERVFAIL, REFUSED, a lame or mismatched reply.
	ErrServerFailure = errors.New("no server gave an answer")
	// ErrTimeout means a query got no reply before its deadline.
	ErrTimeout = errors.New("timed out")
	// ErrTruncated means the answer did not fit in UDP and was truncated
	// over TCP too.
	ErrTruncated = errors.New("answer truncated over TCP")
	// ErrMismatch means a reply did not match the query's question.
	ErrMismatch = errors.New("reply does not match the query")
	// ErrCNAMELoop means a CNAME chain loops or is longer than MaxCNAMEHops.
	ErrCNAMELoop = errors.New("CNAME chain loops or is too long")
	// ErrBadName means the name is not a valid domain name: an empty label,
	// a label over 63 octets, a name over 253 octets, or an invalid IDN.
	ErrBadName = errors.New("invalid domain name")
	// ErrNotDNS means the name is never sent to DNS: ".onion" (RFC 7686).
	ErrNotDNS = errors.New("name is not resolved through unicast DNS")
	// ErrBadType means a record type name is not known.
	ErrBadType = errors.New("unknown record type")
)

// NameError reports a name that cannot be looked up at all, before any
// query: Name is the name as given, Err is ErrBadName, ErrNotDNS or
// ErrBadType, Msg says what is wrong and what was expected.
type NameError struct {
	Name string
	Msg  string
	Err  error
}

// Error returns `resolve: "NAME": MSG`, NAME cut to 80 characters with
// "…" when longer, so that a 60 kB line does not become a 60 kB message.
func (e *NameError) Error() string {
	return "resolve: " + quoteName(e.Name) + ": " + e.Msg
}

// maxQuoted is how many characters of a bad name an error message quotes.
const maxQuoted = 80

// quoteName quotes s for an error message, cut to maxQuoted characters.
func quoteName(s string) string { return strconv.Quote(cutName(s)) }

// cutName cuts s to maxQuoted characters, with "…" when it is longer.
func cutName(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		n := 0
		for i := range s {
			if n == maxQuoted {
				return s[:i] + "…"
			}
			n++
		}
	}
	return s
}

// Unwrap returns the sentinel error.
func (e *NameError) Unwrap() error { return e.Err }

// LookupError reports a lookup that found no answer. Name is the name as
// the caller gave it (not the last search candidate, so that the message
// names what the user typed); Err is ErrNotFound, ErrNoData,
// ErrServerFailure or ErrCNAMELoop (possibly joined with the last transport
// error), or the context's error.
type LookupError struct {
	Name string
	Err  error
}

// Error returns "resolve: NAME: REASON".
func (e *LookupError) Error() string {
	return "resolve: " + e.Name + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *LookupError) Unwrap() error { return e.Err }

// Warning is a non-fatal remark about a configuration file or a lookup: an
// ignored resolv.conf line, an nsswitch source netcalc does not implement,
// a ".local" name.
type Warning struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Msg  string `json:"message"`
}

// String returns "FILE:LINE: MSG", or just MSG when there is no file.
func (w Warning) String() string {
	switch {
	case w.File == "":
		return w.Msg
	case w.Line == 0:
		return w.File + ": " + w.Msg
	default:
		return w.File + ":" + strconv.Itoa(w.Line) + ": " + w.Msg
	}
}
