package manifest

import (
	"errors"

	"github.com/netcalc/netcalc/internal/yamlpos"
)

// Sentinel errors wrapped by Error; test for them with errors.Is.
var (
	// ErrSyntax means the input is not valid YAML (or JSON).
	ErrSyntax = errors.New("YAML syntax error")
	// ErrUnknownField means a mapping has a key the reader does not know,
	// usually a typo.
	ErrUnknownField = errors.New("unknown field")
	// ErrInvalid means a value has the wrong type or is out of range.
	ErrInvalid = errors.New("invalid value")
	// ErrDuplicate means a name that must be unique is given twice.
	ErrDuplicate = errors.New("duplicate")
)

// Error describes bad input: the file, the 1-based line (0 when unknown),
// the path of the offending value (such as "services[0].ports[1].port")
// and what was expected. Err is one of the sentinels above.
type Error struct {
	File string
	Line int
	Path string
	Msg  string
	Err  error
}

// Error returns "manifest: " followed by Message.
func (e *Error) Error() string { return "manifest: " + e.Message() }

// Message returns the error in the user's terms, without the package
// prefix: "FILE:LINE: PATH: MSG" ("line LINE: ..." when the file has no
// name; parts that are unknown are left out).
func (e *Error) Message() string { return yamlpos.Where(e.File, e.Line, e.Path) + e.Msg }

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }
