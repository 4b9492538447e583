package topo

import (
	"errors"

	"github.com/netcalc/netcalc/internal/yamlpos"
)

// Sentinel errors wrapped by Error; test for them with errors.Is.
var (
	// ErrSyntax means the input is not valid YAML.
	ErrSyntax = errors.New("YAML syntax error")
	// ErrUnknownField means a mapping has a key netcalc does not know.
	ErrUnknownField = errors.New("unknown field")
	// ErrInvalid means a value has the wrong type or is out of range.
	ErrInvalid = errors.New("invalid value")
	// ErrDuplicate means a key, node or interface is given twice.
	ErrDuplicate = errors.New("duplicate")
)

// Error is bad input in a topology file: the file, the 1-based line (0 when
// unknown), the YAML path of the offending value ("nodes.r.routes[1]") and
// what was expected. Err is one of the sentinels above, or ErrRouteSyntax.
type Error struct {
	File string
	Line int
	Path string
	Msg  string
	Err  error
}

// Error returns "topo: " followed by Message.
func (e *Error) Error() string { return "topo: " + e.Message() }

// Message returns "FILE:LINE: PATH: MSG" ("line LINE: ..." when the file has
// no name), without the package prefix, for the CLI.
func (e *Error) Message() string { return yamlpos.Where(e.File, e.Line, e.Path) + e.Msg }

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }
