package kubeproxy

import (
	"github.com/netcalc/netcalc/internal/yamlpos"
	"github.com/netcalc/netcalc/netcalc/k8s/manifest"
)

// Sentinel errors wrapped by ParseError; test for them with errors.Is. They
// are the manifest reader's, so either package's name tests the same error.
var (
	// ErrSyntax means the input is not valid YAML.
	ErrSyntax = manifest.ErrSyntax
	// ErrUnknownField means a mapping has a key netcalc does not know,
	// usually a typo.
	ErrUnknownField = manifest.ErrUnknownField
	// ErrInvalid means a value has the wrong type or is out of range.
	ErrInvalid = manifest.ErrInvalid
	// ErrDuplicate means two Services share a namespace and name, or two
	// ports of one Service share a name.
	ErrDuplicate = manifest.ErrDuplicate
)

// ParseError describes bad input: the file, the 1-based line (0 when
// unknown), the path of the offending value (such as
// "services[0].ports[1].port") and what was expected. Err is one of the
// sentinels above.
type ParseError struct {
	File string
	Line int
	Path string
	Msg  string
	Err  error
}

// Error returns "kubeproxy: FILE:LINE: PATH: MSG".
func (e *ParseError) Error() string { return "kubeproxy: " + e.Message() }

// Message returns the error in the user's terms, without the package
// prefix: "FILE:LINE: PATH: MSG" ("line LINE: ..." when the file has no
// name). netcalc's CLI prints it after "netcalc: ".
func (e *ParseError) Message() string { return yamlpos.Where(e.File, e.Line, e.Path) + e.Msg }

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }
