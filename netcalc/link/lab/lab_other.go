//go:build !linux

package lab

import (
	"io"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// Up returns ErrUnsupported.
func Up(*topo.Topology, Options) (*Result, error) { return nil, &Error{Op: "up", Err: ErrUnsupported} }

// Down returns ErrUnsupported.
func Down(string) (*DownResult, error) { return nil, &Error{Op: "down", Err: ErrUnsupported} }

// Status returns ErrUnsupported.
func Status(*topo.Topology, string) ([]Diff, error) {
	return nil, &Error{Op: "status", Err: ErrUnsupported}
}

// Inspect returns ErrUnsupported.
func Inspect(string, *topo.Node) (*NodeState, error) {
	return nil, &Error{Op: "status", Err: ErrUnsupported}
}

// Do returns ErrUnsupported.
func Do(string, string, func() error) error { return &Error{Op: "exec", Err: ErrUnsupported} }

// Exec returns ErrUnsupported.
func Exec(string, string, []string, io.Reader, io.Writer, io.Writer) (int, error) {
	return 0, &Error{Op: "exec", Err: ErrUnsupported}
}

// CheckCapabilities returns nil.
func CheckCapabilities(string) error { return nil }
