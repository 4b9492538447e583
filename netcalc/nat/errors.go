package nat

import (
	"errors"

	"github.com/netcalc/netcalc/netcalc/conntrack"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrConntrackSyntax means a line is not in `conntrack -L` format
	// (conntrack.ErrSyntax).
	ErrConntrackSyntax = conntrack.ErrSyntax
	// ErrConfig means a NAT configuration is invalid; the error is a
	// *ConfigError naming the field.
	ErrConfig = errors.New("nat: invalid configuration")
	// ErrPortExhausted means source NAT found no free external port for a
	// new connection; the packet is dropped (the kernel counts it as
	// insert_failed). The error is an *ExhaustedError.
	ErrPortExhausted = errors.New("nat: port exhausted")
	// ErrScenario means a scenario file could not be read; the error is a
	// *ScenarioError with the line.
	ErrScenario = errors.New("nat: bad scenario")
	// ErrPacket means an event's packet cannot be simulated (mixed
	// address families, an unsupported protocol, time going backwards).
	ErrPacket = errors.New("nat: bad packet")
)
